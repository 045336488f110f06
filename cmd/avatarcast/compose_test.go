package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	natsserver "github.com/nats-io/nats-server/v2/server"
)

// composeEnv is what .env would hold.
var composeEnv = []string{
	"NATS_ADMIN_PASSWORD=pw-admin", "NATS_DIRECTOR_PASSWORD=pw-director",
	"NATS_GATEWAY_PASSWORD=pw-gateway", "NATS_API_PASSWORD=pw-api", "NATS_VOICE_PASSWORD=pw-voice",
	"NATS_BRIDGE_PASSWORD=pw-bridge",
	"NATS_ROUTE_PASSWORD=pwroute",
}

func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("avatarcast"), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// flagValue returns the value after -name in args, or "".
func flagValue(args []string, name string) string {
	i := slices.Index(args, "-"+name)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

// TestComposeFile loads docker-compose.yml as docker compose would (no
// container engine runs here) and checks the topology: a 3-node NATS
// cluster with JetStream on named volumes and routes to each other, two
// directors, two viewer gateways and an API gateway each with its NATS
// role's user, healthchecks and restart policies everywhere, and only the
// load balancer published, on loopback.
func TestComposeFile(t *testing.T) {
	if _, err := loadCompose(t, nil); err == nil || !strings.Contains(err.Error(), "NATS_") {
		t.Errorf("compose without NATS passwords: %v, want an error naming the missing variable", err)
	}
	noRoute := slices.DeleteFunc(slices.Clone(composeEnv), func(s string) bool { return strings.HasPrefix(s, "NATS_ROUTE_PASSWORD=") })
	if _, err := loadCompose(t, noRoute); err == nil || !strings.Contains(err.Error(), "NATS_ROUTE_PASSWORD") {
		t.Errorf("compose without the route password: %v, want an error naming NATS_ROUTE_PASSWORD", err)
	}
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	want := []string{"api", "director-a", "director-b", "gateway-1", "gateway-2", "lb", "nats-1", "nats-2", "nats-3", "voice-worker"}
	if got := p.ServiceNames(); !slices.Equal(sortedCopy(got), want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	natsURL := "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222"
	for name, s := range p.Services {
		if s.Restart != "unless-stopped" {
			t.Errorf("%s: restart %q, want unless-stopped", name, s.Restart)
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 {
			t.Errorf("%s: no healthcheck", name)
			continue
		}
		if name != "lb" && len(s.Ports) > 0 {
			t.Errorf("%s: publishes ports %v; only the load balancer should", name, s.Ports)
		}
		switch {
		case strings.HasPrefix(name, "nats-"):
			checkNATSNode(t, p, name, s)
		case name == "lb":
			if len(s.Ports) != 1 || s.Ports[0].HostIP != "127.0.0.1" || s.Ports[0].Target != 8080 {
				t.Errorf("lb ports %+v, want one on 127.0.0.1 to 8080", s.Ports)
			}
			checkLB(t, p, s)
		case name == "voice-worker":
			checkVoiceWorker(t, s, natsURL)
		default: // the avatarcast image
			if s.Build == nil || s.Image != "avatarcast:local" {
				t.Errorf("%s: not built from the Dockerfile as avatarcast:local", name)
			}
			args := []string(s.Command)
			cmd, role := args[0], ""
			switch {
			case cmd == "director":
				role = "director"
			case cmd == "gateway" && flagValue(args, "api") == "off":
				role = "gateway"
			case cmd == "gateway" && flagValue(args, "api") == "on":
				role = "api"
			default:
				t.Errorf("%s: command %v", name, args)
				continue
			}
			if cmd == "gateway" && flagValue(args, "assets") != "/assets" {
				t.Errorf("%s: -assets %q, want /assets (where the image has them)", name, flagValue(args, "assets"))
			}
			if u := env(s, "AVATARCAST_NATS_USER"); u != role {
				t.Errorf("%s: NATS user %q, want the %s role", name, u, role)
			}
			if pw := env(s, "AVATARCAST_NATS_PASSWORD"); pw != "pw-"+role {
				t.Errorf("%s: NATS password not the %s role's", name, role)
			}
			if u := env(s, "AVATARCAST_NATS_URL"); u != natsURL {
				t.Errorf("%s: NATS URL %q, want all three nodes", name, u)
			}
			if r := flagValue(args, "nats-replicas"); r != "3" {
				t.Errorf("%s: -nats-replicas %q, want 3", name, r)
			}
			addr := flagValue(args, "addr")
			_, port, _ := strings.Cut(addr, ":")
			hc := []string(s.HealthCheck.Test)
			if hc[0] != "CMD" || hc[1] != "/avatarcast" || hc[2] != "health" || hc[3] != "http://127.0.0.1:"+port+"/readyz" {
				t.Errorf("%s: healthcheck %v, want /avatarcast health on its -addr %s", name, hc, addr)
			}
			for dep := range map[string]bool{"nats-1": true, "nats-2": true, "nats-3": true} {
				if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("%s: does not wait for %s to be healthy", name, dep)
				}
			}
		}
	}
	if n := strings.Count(strings.Join(p.Services["director-a"].Command, " ")+strings.Join(p.Services["director-b"].Command, " "), "-scripts"); n != 1 {
		t.Errorf("%d directors seed the demo rooms, want 1", n)
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func env(s types.ServiceConfig, k string) string {
	if v, ok := s.Environment[k]; ok && v != nil {
		return *v
	}
	return ""
}

// checkNATSNode checks one NATS service: its configuration (loaded by the
// NATS server itself) names it, runs JetStream on its named volume and
// routes to the three nodes.
func checkNATSNode(t *testing.T, p *types.Project, name string, s types.ServiceConfig) {
	t.Helper()
	var confDir string
	hasData := false
	for _, v := range s.Volumes {
		switch {
		case v.Target == "/etc/nats" && v.ReadOnly:
			confDir = v.Source
		case v.Target == "/data" && v.Type == types.VolumeTypeVolume:
			if _, ok := p.Volumes[v.Source]; ok {
				hasData = true
			}
		}
	}
	if confDir == "" || !hasData {
		t.Errorf("%s: volumes %+v, want the configs read-only at /etc/nats and a named volume at /data", name, s.Volumes)
		return
	}
	if flagValue(s.Command, "c") != "/etc/nats/"+name+".conf" {
		t.Errorf("%s: command %v, want -c /etc/nats/%s.conf", name, s.Command, name)
		return
	}
	for k, v := range s.Environment {
		if v != nil {
			t.Setenv(k, *v)
		}
	}
	opts, err := natsserver.ProcessConfigFile(filepath.Join(confDir, name+".conf"))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if opts.ServerName != name || !opts.JetStream || !strings.HasPrefix(opts.StoreDir, "/data") {
		t.Errorf("%s: server_name %q, jetstream %v in %q; want its name and JetStream under /data", name, opts.ServerName, opts.JetStream, opts.StoreDir)
	}
	var routes []string
	for _, r := range opts.Routes {
		routes = append(routes, r.Host)
		if pw, _ := r.User.Password(); r.User.Username() != "route" || pw != "pwroute" {
			t.Errorf("%s: route to %s does not log in as route with $NATS_ROUTE_PASSWORD", name, r.Host)
		}
	}
	if !slices.Equal(sortedCopy(routes), []string{"nats-1:6222", "nats-2:6222", "nats-3:6222"}) {
		t.Errorf("%s: routes %v, want the three nodes", name, routes)
	}
	if opts.Cluster.Username != "route" || opts.Cluster.Password != "pwroute" {
		t.Errorf("%s: cluster port accepts routes without the route user's password", name)
	}
	if len(opts.Users) != 6 { // admin, director, gateway, api, voice, bridge
		t.Errorf("%s: %d users, want one per role", name, len(opts.Users))
	}
}

// checkVoiceWorker checks the voice worker's service: built from
// Dockerfile.voice, connecting to the three nodes as the voice role, its
// audio store kept by three servers, healthy when its metrics answer, and
// started once the NATS nodes are. (cmd/avatarcast-voice's own test parses
// its command and environment with the worker's flags.)
func checkVoiceWorker(t *testing.T, s types.ServiceConfig, natsURL string) {
	t.Helper()
	if s.Build == nil || s.Build.Dockerfile != "Dockerfile.voice" || s.Image != "avatarcast-voice:local" {
		t.Errorf("voice-worker: not built from Dockerfile.voice as avatarcast-voice:local: %+v", s.Build)
	}
	if u := env(s, "AVATARCAST_NATS_USER"); u != "voice" {
		t.Errorf("voice-worker: NATS user %q, want the voice role", u)
	}
	if pw := env(s, "AVATARCAST_NATS_PASSWORD"); pw != "pw-voice" {
		t.Error("voice-worker: NATS password not the voice role's (NATS_VOICE_PASSWORD)")
	}
	if u := env(s, "AVATARCAST_NATS_URL"); u != natsURL {
		t.Errorf("voice-worker: NATS URL %q, want all three nodes", u)
	}
	args := []string(s.Command)
	if flagValue(args, "nats-replicas") != "3" || flagValue(args, "provider") != "espeak" {
		t.Errorf("voice-worker: command %v, want -provider espeak -nats-replicas 3", args)
	}
	_, port, _ := strings.Cut(flagValue(args, "metrics-addr"), ":")
	hc := []string(s.HealthCheck.Test)
	if port == "" || len(hc) != 4 || hc[0] != "CMD" || hc[1] != "/usr/local/bin/avatarcast" || hc[2] != "health" || hc[3] != "http://127.0.0.1:"+port+"/metrics" {
		t.Errorf("voice-worker: healthcheck %v, want avatarcast health on its -metrics-addr port %q", hc, port)
	}
	for _, dep := range []string{"nats-1", "nats-2", "nats-3"} {
		if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("voice-worker: does not wait for %s to be healthy", dep)
		}
	}
}

// checkLB checks the load balancer's configuration names the gateways and
// the API gateway as they are in the compose file.
func checkLB(t *testing.T, p *types.Project, s types.ServiceConfig) {
	t.Helper()
	var conf string
	for _, v := range s.Volumes {
		if v.Target == "/etc/nginx/nginx.conf" {
			conf = v.Source
		}
	}
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatalf("lb configuration: %v", err)
	}
	for _, svc := range []string{"gateway-1", "gateway-2", "api"} {
		if _, ok := p.Services[svc]; !ok || !strings.Contains(string(data), fmt.Sprintf("server %s:8080", svc)) {
			t.Errorf("lb configuration does not send to %s:8080", svc)
		}
	}
	for _, want := range []string{"location /api/ { proxy_pass http://api; }", `location ~ ^/rooms/[^/]+/public\.json$ { proxy_pass http://api; }`, "proxy_set_header Upgrade $http_upgrade;"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("lb configuration lacks %q", want)
		}
	}
}

// dockerStages returns the images a Dockerfile's stages are FROM, in
// order, and the USER its final stage runs as ("" if it sets none).
func dockerStages(df []byte) (froms []string, user string) {
	for _, l := range strings.Split(string(df), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "FROM" {
			froms = append(froms, f[1])
			user = ""
		}
		if len(f) >= 2 && f[0] == "USER" {
			user = f[1]
		}
	}
	return froms, user
}

// TestDockerfile: the image is built in two stages and runs as non-root,
// and the build context leaves out secrets and the repository.
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	froms, user := dockerStages(df)
	if len(froms) < 2 || !strings.Contains(froms[len(froms)-1], "distroless/static") {
		t.Errorf("stages %v, want a build stage and a distroless static final stage", froms)
	}
	if !strings.Contains(string(df), "COPY assets /assets") {
		t.Error("the image lacks the assets the gateways serve")
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("final stage runs as %q, want a non-root user", user)
	}
	di, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", ".env", "data/"} {
		if !slices.Contains(strings.Fields(string(di)), want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// TestDockerfileVoice: the voice worker's image builds it with cgo and
// espeak-ng on Debian, runs as non-root, and carries its GPL-3.0 text.
func TestDockerfileVoice(t *testing.T) {
	df, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile.voice"))
	if err != nil {
		t.Fatal(err)
	}
	froms, user := dockerStages(df)
	if len(froms) < 2 || !strings.HasPrefix(froms[len(froms)-1], "debian:") || !strings.Contains(froms[0], "bookworm") {
		t.Errorf("stages %v, want a Debian build stage and a Debian final stage of the same release", froms)
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("final stage runs as %q, want a non-root user", user)
	}
	for _, want := range []string{
		"CGO_ENABLED=1 go build -tags espeak", "libespeak-ng-dev", "libopusenc-dev",
		"libespeak-ng1", "libopusenc0", "COPY cmd/avatarcast-voice/COPYING", "GPL-3.0",
	} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile.voice lacks %q", want)
		}
	}
}

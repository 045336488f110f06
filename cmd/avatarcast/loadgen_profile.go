package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// profileEnv names a directory: a load run's processes (the spawned server
// and the viewers) then profile themselves into it, for finding where a
// run's time goes. Unset: no profiling, and no profiling cost.
const profileEnv = "AVATARCAST_LOADGEN_PROFILE"

// startProfiles, when profileEnv names a directory, profiles this process
// until the returned stop is called: a CPU profile, and the block, mutex
// and allocation profiles written at stop, each named ROLE-PID-KIND.pprof.
func startProfiles(role string, stderr io.Writer) (stop func()) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}
	}
	name := func(kind string) string {
		return filepath.Join(dir, fmt.Sprintf("%s-%d-%s.pprof", role, os.Getpid(), kind))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "loadgen: profile: %v\n", err)
		return func() {}
	}
	cpu, err := os.Create(name("cpu"))
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintf(stderr, "loadgen: profile: %v\n", err)
		cpu.Close()
		return func() {}
	}
	runtime.SetBlockProfileRate(10_000) // ns: one sample per 10 µs blocked
	runtime.SetMutexProfileFraction(10)
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		for _, kind := range []string{"block", "mutex", "allocs"} {
			f, err := os.Create(name(kind))
			if err != nil {
				fmt.Fprintf(stderr, "loadgen: profile: %v\n", err)
				continue
			}
			if err := pprof.Lookup(kind).WriteTo(f, 0); err != nil {
				fmt.Fprintf(stderr, "loadgen: profile %s: %v\n", kind, err)
			}
			f.Close()
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
	}
}

# Builds the one avatarcast binary; docker-compose.yml runs it as gateway
# and director against a three-node NATS cluster. The final image holds the
# static binary, the demo scripts, configs and assets, and runs as a non-root user
# (distroless has no shell: healthchecks use `avatarcast health URL`).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /avatarcast ./cmd/avatarcast

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /avatarcast /avatarcast
COPY scripts /scripts
COPY configs /configs
COPY assets /assets
USER nonroot:nonroot
WORKDIR /home/nonroot
EXPOSE 8080 8090
ENTRYPOINT ["/avatarcast"]

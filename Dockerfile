# Builds the one avatarcast binary; docker-compose.yml runs it as gateway
# and director against a three-node NATS cluster.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /avatarcast ./cmd/avatarcast

FROM gcr.io/distroless/static-debian12
COPY --from=build /avatarcast /avatarcast
COPY scripts /scripts
COPY configs /configs
COPY assets /assets
ENTRYPOINT ["/avatarcast"]

# syntax=docker/dockerfile:1
# Images for the operator and the node agent:
#   docker build --target operator   -t supercloud/operator:dev .
#   docker build --target node-agent -t supercloud/node-agent:dev .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake gcc libc6-dev make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY crds/ crds/
COPY operator/ operator/
COPY node-agent/ node-agent/
COPY native-shim/ native-shim/
RUN cmake -S native-shim -B native-shim/build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build native-shim/build -j"$(nproc)"
RUN dotnet publish operator/SuperCloud.Operator/SuperCloud.Operator.csproj -c Release -o /out/operator \
 && dotnet publish node-agent/SuperCloud.NodeAgent/SuperCloud.NodeAgent.csproj -c Release -o /out/node-agent \
 && cp native-shim/build/libsupercloud_shim.so /out/node-agent/

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS operator
WORKDIR /app
COPY --from=build /out/operator/ ./
USER app
ENTRYPOINT ["/app/supercloud-operator"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS node-agent
# The agent runs VMs (QEMU), programs Open vSwitch and network namespaces on its host.
RUN apt-get update \
 && apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils openvswitch-switch iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/node-agent/ ./
ENV LD_LIBRARY_PATH=/app
ENTRYPOINT ["/app/supercloud-node-agent"]

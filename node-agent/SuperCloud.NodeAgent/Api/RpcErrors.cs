using Grpc.Core;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Turns driver errors into gRPC statuses whose message says what went wrong and with which VM or field.</summary>
internal static class RpcErrors
{
    public static RpcException ToRpc(Exception error) => error switch
    {
        RpcException rpc => rpc,
        Migration.MigrationNotFoundException missing => new RpcException(new Status(StatusCode.NotFound, missing.Message)),
        Migration.MigrationConflictException conflict => new RpcException(new Status(StatusCode.FailedPrecondition, conflict.Message)),
        Ownership.OwnershipConflictException refused => new RpcException(new Status(StatusCode.FailedPrecondition, refused.Message)),
        InvalidVmSpecException invalid => new RpcException(new Status(StatusCode.InvalidArgument, invalid.Message)),
        ImageUnavailableException image => new RpcException(new Status(StatusCode.FailedPrecondition, image.Message)),
        VmNotFoundException notFound => new RpcException(new Status(StatusCode.NotFound, notFound.Message)),
        VmAlreadyExistsException exists => new RpcException(new Status(StatusCode.AlreadyExists, exists.Message)),
        VmStateConflictException conflict => new RpcException(new Status(StatusCode.FailedPrecondition, conflict.Message)),
        MigrationNotSupportedException unsupported => new RpcException(new Status(StatusCode.Unimplemented, unsupported.Message)),
        HypervisorUnavailableException unavailable => new RpcException(new Status(StatusCode.Unavailable, unavailable.Message)),
        HypervisorException hypervisor => new RpcException(new Status(StatusCode.Internal, hypervisor.Message)),
        _ => new RpcException(new Status(StatusCode.Internal, "internal error: " + error.Message)),
    };

    public static RpcException InvalidArgument(string field, string message) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {message}"));
}

using SuperCloud.Lab.Registry;

namespace SuperCloud.Images.Tests;

/// <summary>A real docker-registry for a test class, and what is missing when it cannot run.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private RegistryServer? _server;

    public RegistryServer Server => _server ?? throw new InvalidOperationException("no registry: " + RegistryServer.Missing);

    public string Address => Server.Address;

    public async Task InitializeAsync()
    {
        if (RegistryServer.Missing is null)
        {
            _server = await RegistryServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

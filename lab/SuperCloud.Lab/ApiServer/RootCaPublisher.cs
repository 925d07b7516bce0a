using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// kube-controller-manager's root CA publisher: every namespace that is not being deleted holds the ConfigMap
/// <c>kube-root-ca.crt</c> with the API server's CA, which pods mount (projected) to trust the API server.
/// </summary>
internal sealed class RootCaPublisher(ResourceOperations operations, string caPem)
{
    /// <summary>The ConfigMap's name.</summary>
    public const string ConfigMapName = "kube-root-ca.crt";

    private static readonly ApiResource ConfigMaps = BuiltInResources.All.Single(r => r.Plural == "configmaps");

    public bool Reconcile()
    {
        var store = operations.Store;
        lock (store.Gate)
        {
            var progress = false;
            foreach (var ns in store.PeekAll(ResourceOperations.NamespaceResource).Where(n => !Json.IsDeleting(n)).Select(Json.Name).ToList())
            {
                var current = store.Peek(ConfigMaps, ns, ConfigMapName);
                if (current?["data"]?["ca.crt"]?.GetValue<string>() == caPem)
                {
                    continue;
                }

                var configMap = new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "ConfigMap",
                    ["metadata"] = new JsonObject { ["name"] = ConfigMapName, ["namespace"] = ns },
                    ["data"] = new JsonObject { ["ca.crt"] = caPem },
                };
                if (current is null)
                {
                    operations.Create(ConfigMaps, ns, configMap, WriteOptions.Controller);
                }
                else
                {
                    configMap["metadata"]!["resourceVersion"] = Json.MetaStr(current, "resourceVersion");
                    operations.Update(ConfigMaps, ns, ConfigMapName, configMap, WriteOptions.Controller, null);
                }

                progress = true;
            }

            return progress;
        }
    }
}

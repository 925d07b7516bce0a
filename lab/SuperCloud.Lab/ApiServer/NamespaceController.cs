namespace SuperCloud.Lab.ApiServer;

/// <summary>Finishes namespace deletion: deletes everything in a Terminating namespace, then the namespace.</summary>
internal sealed class NamespaceController(ResourceOperations operations)
{
    public bool Reconcile()
    {
        var store = operations.Store;
        lock (store.Gate)
        {
            var progress = false;
            foreach (var ns in store.PeekAll(ResourceOperations.NamespaceResource).Where(Json.IsDeleting).ToList())
            {
                var name = Json.Name(ns);
                var contents = store.PeekEverything().Where(e => Json.Namespace(e.Object) == name).ToList();
                foreach (var (group, plural, obj) in contents.Where(c => !Json.IsDeleting(c.Object)))
                {
                    var resource = operations.Registry.All.FirstOrDefault(r => r.Group == group && r.Plural == plural);
                    if (resource is not null)
                    {
                        operations.Delete(resource, name, Json.Name(obj), DeleteRequest.Background);
                        progress = true;
                    }
                }

                if (contents.Count == 0 && Json.Finalizers(ns).Count == 0)
                {
                    var gone = Json.Clone(ns);
                    gone["spec"] = new System.Text.Json.Nodes.JsonObject();
                    operations.ControllerWrite(ResourceOperations.NamespaceResource, gone, "DELETED");
                    progress = true;
                }
            }

            return progress;
        }
    }
}

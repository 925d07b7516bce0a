namespace SuperCloud.Lab.ApiServer;

/// <summary>Finishes CRD deletion: deletes every object of the CRD, then removes its cleanup finalizer (which stops serving it).</summary>
internal sealed class CustomResourceCleanup(ResourceOperations operations)
{
    public bool Reconcile()
    {
        var store = operations.Store;
        lock (store.Gate)
        {
            var progress = false;
            foreach (var crd in store.PeekAll(CustomResourceDefinitions.Resource).Where(Json.IsDeleting).ToList())
            {
                if (!Json.Finalizers(crd).Contains(CustomResourceDefinitions.CleanupFinalizer))
                {
                    continue;
                }

                var served = CustomResourceDefinitions.ServedResources(crd);
                var objects = served.Count == 0 ? [] : store.PeekAll(served[0]);
                foreach (var obj in objects.Where(o => !Json.IsDeleting(o)))
                {
                    operations.Delete(served[0], Json.Namespace(obj), Json.Name(obj), DeleteRequest.Background);
                    progress = true;
                }

                if (objects.Count == 0)
                {
                    operations.RemoveFinalizer(CustomResourceDefinitions.Resource, crd, CustomResourceDefinitions.CleanupFinalizer);
                    progress = true;
                }
            }

            return progress;
        }
    }
}

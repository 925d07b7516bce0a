using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <content>get and list, with Table output and limit/continue.</content>
internal sealed partial class ApiHandler
{
    private async Task GetAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var obj = Store.Get(request.Resource, request.Namespace, request.Name!) ?? throw Errors.NotFound(request.Resource, request.Name!);
        obj = AsServed(request.Resource, obj);
        if (TryTable(request, [obj], Json.MetaStr(obj, "resourceVersion"), null) is { } table)
        {
            await HttpIo.WriteJsonAsync(request.Context, 200, table, cancellationToken);
            return;
        }

        await HttpIo.WriteJsonAsync(request.Context, 200, obj, cancellationToken);
    }

    private async Task ListAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var labels = request.Labels;
        var fields = request.Fields;
        var limit = ParseLimit(request.Query("limit"));
        var (continueRv, startAfter) = ParseContinue(request.Query("continue"));
        List<JsonObject> items;
        long rv;
        int remaining;
        lock (Store.Gate)
        {
            rv = continueRv ?? Store.ResourceVersion;
            var matching = Store.PeekAll(request.Resource, request.Namespace)
                .Where(o => labels.Matches(Json.Labels(o)) && fields.Matches(o))
                .Where(o => startAfter is null || string.CompareOrdinal(ObjectStore.Key(Json.Namespace(o), Json.Name(o)), startAfter) > 0)
                .ToList();
            items = matching.Take(limit ?? int.MaxValue).Select(o => AsServed(request.Resource, Json.Clone(o))).ToList();
            remaining = matching.Count - items.Count;
        }

        string? continueToken = null;
        if (remaining > 0)
        {
            var last = items[^1];
            continueToken = EncodeContinue(rv, ObjectStore.Key(Json.Namespace(last), Json.Name(last)));
        }

        var rvText = rv.ToString(CultureInfo.InvariantCulture);
        if (TryTable(request, items, rvText, continueToken) is { } table)
        {
            await HttpIo.WriteJsonAsync(request.Context, 200, table, cancellationToken);
            return;
        }

        var metadata = new JsonObject { ["resourceVersion"] = rvText };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
            metadata["remainingItemCount"] = remaining;
        }

        var list = new JsonObject
        {
            ["kind"] = request.Resource.ListKind,
            ["apiVersion"] = request.Resource.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(items.Select(i => (JsonNode?)i).ToArray()),
        };
        await HttpIo.WriteJsonAsync(request.Context, 200, list, cancellationToken);
    }

    private static int? ParseLimit(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit))
        {
            throw Errors.BadRequest($"limit: Invalid value: \"{text}\": must be a non-negative integer");
        }

        return limit <= 0 ? null : (int)Math.Min(limit, int.MaxValue);
    }

    private static string EncodeContinue(long rv, string startAfter)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = startAfter }.ToJsonString();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (long? Rv, string? StartAfter) ParseContinue(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, null);
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var json = Json.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(base64))) as JsonObject;
            var rv = json?["rv"]?.GetValue<long>();
            var start = Json.Str(json, "start");
            if (rv is null || start is null)
            {
                throw new FormatException("missing fields");
            }

            return (rv, start);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw Errors.BadRequest($"continue key is not valid: {e.Message}");
        }
    }
}

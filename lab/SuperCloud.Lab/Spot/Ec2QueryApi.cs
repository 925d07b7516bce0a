using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SuperCloud.Lab.Spot;

/// <summary>
/// The EC2 Query API of one lab cloud, for exactly the calls SuperCloud's provider makes: DescribeSpotPriceHistory,
/// DescribeInstances, RunInstances and TerminateInstances. Form-encoded requests, XML answers in the EC2 namespace,
/// NextToken pagination, EC2's error codes, and RequestLimitExceeded past a token-bucket rate.
/// </summary>
/// <param name="cloud">The cloud this endpoint serves.</param>
/// <param name="store">The market.</param>
/// <param name="options">Rate, capacity and accepted keys.</param>
/// <param name="time">The clock.</param>
/// <param name="tearDown">Stops a lab host whose instance is terminated.</param>
public sealed partial class Ec2QueryApi(string cloud, SpotMarketStore store, Ec2ApiOptions options, TimeProvider time, Func<string, CancellationToken, Task>? tearDown = null)
{
    /// <summary>The EC2 API version the SDKs speak.</summary>
    public const string ApiVersion = "2016-11-15";

    /// <summary>The XML namespace of every answer.</summary>
    public static readonly XNamespace Ns = $"http://ec2.amazonaws.com/doc/{ApiVersion}/";

    /// <summary>The only product the lab sells.</summary>
    public const string LinuxProduct = "Linux/UNIX";

    private readonly Lock _bucketLock = new();
    private double _tokens = options.Burst;
    private long _refilled = time.GetTimestamp();
    private int _forcedThrottles;

    /// <summary>Requests answered so far, by action, including errors (for tests).</summary>
    public IReadOnlyDictionary<string, int> Calls => _calls;

    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);

    /// <summary>Answers the next <paramref name="count"/> requests with RequestLimitExceeded, whatever the rate.</summary>
    public void ThrottleNext(int count) => Interlocked.Exchange(ref _forcedThrottles, count);

    /// <summary>Answers one request given its form parameters and its Authorization header.</summary>
    public async Task<Ec2Response> HandleAsync(IReadOnlyDictionary<string, string> form, string? authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var requestId = Guid.NewGuid().ToString();
        var action = form.GetValueOrDefault("Action") ?? "";
        lock (_calls)
        {
            _calls[action] = _calls.GetValueOrDefault(action) + 1;
        }

        try
        {
            Authenticate(authorization);
            if (!TakeToken())
            {
                throw new Ec2ApiException("RequestLimitExceeded", "Request limit exceeded.", 503);
            }

            if (form.GetValueOrDefault("Version") is { } version && version != ApiVersion)
            {
                throw new Ec2ApiException("InvalidParameterValue", $"Value ({version}) for parameter Version is invalid: this endpoint speaks {ApiVersion}.");
            }

            var body = action switch
            {
                "DescribeSpotPriceHistory" => DescribeSpotPriceHistory(form),
                "DescribeInstances" => DescribeInstances(form),
                "RunInstances" => await RunInstancesAsync(form, cancellationToken),
                "TerminateInstances" => await TerminateInstancesAsync(form, cancellationToken),
                "" => throw new Ec2ApiException("MissingAction", "The request must contain the parameter Action."),
                _ => throw new Ec2ApiException("InvalidAction", $"The action {action} is not valid for this web service."),
            };
            body.AddFirst(new XElement(Ns + "requestId", requestId));
            return new Ec2Response(200, new XDocument(new XDeclaration("1.0", "UTF-8", null), body).ToString(SaveOptions.DisableFormatting));
        }
        catch (Ec2ApiException e)
        {
            return Error(e.Status, e.Code, e.Message, requestId);
        }
    }

    /// <summary>The error body EC2 sends (no namespace, Errors/Error, RequestID).</summary>
    public static Ec2Response Error(int status, string code, string message, string requestId) => new(
        status,
        new XElement(
            "Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", requestId)).ToString(SaveOptions.DisableFormatting));

    private void Authenticate(string? authorization)
    {
        // SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ec2/aws4_request, SignedHeaders=..., Signature=...".
        var match = authorization is null ? null : CredentialPattern().Match(authorization);
        if (match is not { Success: true })
        {
            throw new Ec2ApiException("AuthFailure", "AWS was not able to validate the provided access credentials: the request is not signed with SigV4.", 401);
        }

        var keyId = match.Groups["key"].Value;
        if (options.AccessKeyIds.Count > 0 && !options.AccessKeyIds.Contains(keyId))
        {
            throw new Ec2ApiException("AuthFailure", "AWS was not able to validate the provided access credentials.", 401);
        }

        var region = match.Groups["region"].Value;
        var expected = Market().Region;
        if (region != expected)
        {
            throw new Ec2ApiException("AuthFailure", $"Credential should be scoped to a valid region, not '{region}'; this endpoint serves '{expected}'.", 401);
        }
    }

    private bool TakeToken()
    {
        if (Interlocked.Decrement(ref _forcedThrottles) >= 0)
        {
            return false;
        }

        Interlocked.Exchange(ref _forcedThrottles, 0);
        lock (_bucketLock)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(options.Burst, _tokens + (time.GetElapsedTime(_refilled, now).TotalSeconds * options.RequestsPerSecond));
            _refilled = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }

    private SpotMarketCloud Market() =>
        store.Read()?.Clouds.GetValueOrDefault(cloud) ?? throw new Ec2ApiException("InternalError", $"the lab has no market for cloud {cloud}", 500);

    private XElement DescribeSpotPriceHistory(IReadOnlyDictionary<string, string> form)
    {
        var market = Market();
        var now = time.GetUtcNow().UtcDateTime;
        var types = List(form, "InstanceType");
        var products = List(form, "ProductDescription");
        var zone = form.GetValueOrDefault("AvailabilityZone");
        var start = Time(form, "StartTime") ?? DateTime.MinValue;
        var end = Time(form, "EndTime") ?? now;
        if (end < start)
        {
            throw new Ec2ApiException("InvalidParameterValue", "The parameter EndTime must not be earlier than StartTime.");
        }

        foreach (var type in types.Where(t => !market.OnDemandUsd.ContainsKey(t)))
        {
            throw new Ec2ApiException("InvalidParameterValue", $"Invalid value '{type}' for InstanceType.");
        }

        if (zone is not null && !market.Zones.Contains(zone))
        {
            throw new Ec2ApiException("InvalidParameterValue", $"Invalid availability zone: [{zone}]");
        }

        foreach (var (name, values) in Filters(form))
        {
            if (name is not ("instance-type" or "availability-zone" or "product-description"))
            {
                throw new Ec2ApiException("InvalidParameterValue", $"The filter '{name}' is invalid");
            }

            if (name == "instance-type")
            {
                types = [.. types, .. values];
            }
            else if (name == "product-description")
            {
                products = [.. products, .. values];
            }
            else
            {
                zone = values.FirstOrDefault();
            }
        }

        var sells = products.Count == 0 || products.Any(p => p.StartsWith(LinuxProduct, StringComparison.Ordinal));
        var candidates = market.Prices
            .Where(p => sells && (types.Count == 0 || types.Contains(p.InstanceType)) && (zone is null || p.Zone == zone) && p.Time <= end)
            .ToList();

        // The window's points, and for each zone and type the price already in effect at its start, newest first.
        var result = candidates
            .GroupBy(p => (p.Zone, p.InstanceType))
            .SelectMany(g =>
            {
                var ordered = g.OrderBy(p => p.Time).ToList();
                var inWindow = ordered.Where(p => p.Time >= start).ToList();
                var before = ordered.LastOrDefault(p => p.Time < start);
                return before is null ? inWindow : inWindow.Prepend(before);
            })
            .OrderByDescending(p => p.Time)
            .ThenBy(p => p.Zone, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Page(result, form, "DescribeSpotPriceHistory");
        var response = new XElement(
            Ns + "DescribeSpotPriceHistoryResponse",
            new XElement(Ns + "spotPriceHistorySet", page.Select(p => new XElement(
                Ns + "item",
                new XElement(Ns + "instanceType", p.InstanceType),
                new XElement(Ns + "productDescription", LinuxProduct),
                new XElement(Ns + "spotPrice", p.Usd.ToString("0.000000", CultureInfo.InvariantCulture)),
                new XElement(Ns + "timestamp", Iso(p.Time)),
                new XElement(Ns + "availabilityZone", p.Zone)))));
        response.Add(new XElement(Ns + "nextToken", next ?? ""));
        return response;
    }

    private XElement DescribeInstances(IReadOnlyDictionary<string, string> form)
    {
        var state = store.Read() ?? throw new Ec2ApiException("InternalError", "the lab has no spot market", 500);
        var ids = List(form, "InstanceId");
        if (ids.Count > 0 && form.ContainsKey("MaxResults"))
        {
            throw new Ec2ApiException("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var mine = state.Instances.Values.Where(i => i.Cloud == cloud).ToList();
        foreach (var id in ids)
        {
            ValidateId(id);
        }

        var missing = ids.Where(id => mine.All(i => i.InstanceId != id)).ToList();
        if (missing.Count > 0)
        {
            throw new Ec2ApiException("InvalidInstanceID.NotFound", $"The instance ID{(missing.Count > 1 ? "s" : "")} '{string.Join(", ", missing)}' {(missing.Count > 1 ? "do" : "does")} not exist");
        }

        IEnumerable<SpotMarketInstance> selected = ids.Count > 0 ? mine.Where(i => ids.Contains(i.InstanceId)) : mine;
        foreach (var (name, values) in Filters(form))
        {
            selected = name switch
            {
                "instance-state-name" => selected.Where(i => values.Contains(StateAt(i, now))),
                "instance-lifecycle" => selected.Where(i => values.Contains(i.Spot ? "spot" : "on-demand") || (!i.Spot && values.Contains("scheduled"))),
                "instance-type" => selected.Where(i => values.Contains(i.InstanceType)),
                "availability-zone" => selected.Where(i => values.Contains(i.Zone)),
                _ when name.StartsWith("tag:", StringComparison.Ordinal) => selected.Where(i => i.Tags.TryGetValue(name[4..], out var v) && values.Contains(v)),
                _ => throw new Ec2ApiException("InvalidParameterValue", $"The filter '{name}' is invalid"),
            };
        }

        var ordered = selected.OrderBy(i => i.LaunchTime).ThenBy(i => i.InstanceId, StringComparer.Ordinal).ToList();
        var (page, next) = Page(ordered, form, "DescribeInstances");
        var response = new XElement(
            Ns + "DescribeInstancesResponse",
            new XElement(Ns + "reservationSet", page.Select(i => Reservation([i], now))));
        if (next is not null)
        {
            response.Add(new XElement(Ns + "nextToken", next));
        }

        return response;
    }

    private async Task<XElement> RunInstancesAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        var imageId = form.GetValueOrDefault("ImageId") ?? throw new Ec2ApiException("MissingParameter", "The request must contain the parameter ImageId");
        if (!AmiPattern().IsMatch(imageId))
        {
            throw new Ec2ApiException("InvalidAMIID.Malformed", $"Invalid id: \"{imageId}\" (expecting \"ami-...\")");
        }

        var min = Count(form, "MinCount");
        var max = Count(form, "MaxCount");
        if (min > max)
        {
            throw new Ec2ApiException("InvalidParameterValue", $"MinCount ({min}) must not be greater than MaxCount ({max})");
        }

        var type = form.GetValueOrDefault("InstanceType") ?? "m5.large";
        var market = Market();
        if (!market.OnDemandUsd.TryGetValue(type, out var onDemand))
        {
            throw new Ec2ApiException("InvalidParameterValue", $"Invalid value '{type}' for InstanceType. Instance types sold here: {string.Join(", ", market.OnDemandUsd.Keys)}");
        }

        var userData = form.GetValueOrDefault("UserData");
        if (userData is not null)
        {
            try
            {
                _ = Convert.FromBase64String(userData);
            }
            catch (FormatException)
            {
                throw new Ec2ApiException("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
            }

            if (userData.Length > 21848)
            {
                throw new Ec2ApiException("InvalidParameterValue", "User data is limited to 16384 bytes");
            }
        }

        var marketType = form.GetValueOrDefault("InstanceMarketOptions.MarketType");
        if (marketType is not (null or "spot" or "capacity-block"))
        {
            throw new Ec2ApiException("InvalidParameterValue", $"Invalid value '{marketType}' for InstanceMarketOptions.MarketType");
        }

        var spot = marketType == "spot";
        var now = time.GetUtcNow().UtcDateTime;
        var zone = form.GetValueOrDefault("Placement.AvailabilityZone") ?? market.Zones[0];
        if (!market.Zones.Contains(zone))
        {
            throw new Ec2ApiException("InvalidParameterValue", $"Invalid availability zone: [{zone}]");
        }

        if (spot)
        {
            var price = CurrentPrice(market, zone, type, now);
            var limit = form.GetValueOrDefault("InstanceMarketOptions.SpotOptions.MaxPrice") is { } text
                ? decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed) ? parsed
                    : throw new Ec2ApiException("InvalidParameterValue", $"Invalid value '{text}' for InstanceMarketOptions.SpotOptions.MaxPrice")
                : onDemand;
            if (price > limit)
            {
                throw new Ec2ApiException("SpotMaxPriceTooLow", $"Your Spot request price of {limit.ToString(CultureInfo.InvariantCulture)} is lower than the minimum required Spot request fulfillment price of {price.ToString(CultureInfo.InvariantCulture)}.");
            }
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var n = 1; form.ContainsKey($"TagSpecification.{n}.ResourceType"); n++)
        {
            if (form[$"TagSpecification.{n}.ResourceType"] != "instance")
            {
                continue;
            }

            for (var t = 1; form.GetValueOrDefault($"TagSpecification.{n}.Tag.{t}.Key") is { } key; t++)
            {
                tags[key] = form.GetValueOrDefault($"TagSpecification.{n}.Tag.{t}.Value") ?? "";
            }
        }

        var subnet = form.GetValueOrDefault("SubnetId");
        var launched = await store.UpdateAsync(
            state =>
            {
                var active = state.Instances.Values.Count(i => i.Cloud == cloud && StateAt(i, now) is "pending" or "running");
                var room = options.MaxInstances - active;
                if (room < min)
                {
                    throw new Ec2ApiException("InsufficientInstanceCapacity", $"We currently do not have sufficient {type} capacity in the Availability Zone you requested ({zone}).", 500);
                }

                var made = new List<SpotMarketInstance>();
                for (var i = 0; i < Math.Min(room, max); i++)
                {
                    var instance = new SpotMarketInstance
                    {
                        InstanceId = InstanceIdOf($"{cloud}/run/{++state.InstanceSequence}"),
                        Cloud = cloud,
                        InstanceType = type,
                        Zone = zone,
                        Spot = spot,
                        State = "pending",
                        LaunchTime = now,
                        ImageId = imageId,
                        SubnetId = subnet,
                        UserData = userData,
                        Tags = tags,
                    };
                    state.Instances[instance.InstanceId] = instance;
                    made.Add(instance);
                }

                return made;
            },
            cancellationToken);
        var reservation = Reservation(launched, now);
        reservation.Name = Ns + "RunInstancesResponse";
        return reservation;
    }

    private async Task<XElement> TerminateInstancesAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        var ids = List(form, "InstanceId");
        if (ids.Count == 0)
        {
            throw new Ec2ApiException("MissingParameter", "The request must contain the parameter InstanceId");
        }

        foreach (var id in ids)
        {
            ValidateId(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var changes = await store.UpdateAsync(
            state =>
            {
                var missing = ids.Where(id => state.Instances.GetValueOrDefault(id)?.Cloud != cloud).ToList();
                if (missing.Count > 0)
                {
                    throw new Ec2ApiException("InvalidInstanceID.NotFound", $"The instance ID{(missing.Count > 1 ? "s" : "")} '{string.Join(", ", missing)}' {(missing.Count > 1 ? "do" : "does")} not exist");
                }

                return ids.Select(id =>
                {
                    var instance = state.Instances[id];
                    var previous = StateAt(instance, now);
                    if (previous != "terminated")
                    {
                        instance.State = "terminated";
                        instance.StateReason = "Client.UserInitiatedShutdown";
                    }

                    return (Instance: instance, Previous: previous);
                }).ToList();
            },
            cancellationToken);
        foreach (var (instance, previous) in changes)
        {
            if (instance.Host is { } host && previous != "terminated" && tearDown is not null)
            {
                await tearDown(host, cancellationToken);
            }
        }

        return new XElement(
            Ns + "TerminateInstancesResponse",
            new XElement(Ns + "instancesSet", changes.Select(c => new XElement(
                Ns + "item",
                new XElement(Ns + "instanceId", c.Instance.InstanceId),
                StateElement("currentState", c.Previous == "terminated" ? "terminated" : "shutting-down"),
                StateElement("previousState", c.Previous)))));
    }

    /// <summary>The spot price of <paramref name="type"/> in <paramref name="zone"/> in effect at <paramref name="at"/>.</summary>
    public static decimal CurrentPrice(SpotMarketCloud market, string zone, string type, DateTime at)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.Prices.Where(p => p.Zone == zone && p.InstanceType == type && p.Time <= at).OrderBy(p => p.Time).LastOrDefault()?.Usd
            ?? market.OnDemandUsd.GetValueOrDefault(type);
    }

    /// <summary>A stable instance id for <paramref name="seed"/> (a host's name): <c>i-</c> and 17 hex digits.</summary>
    public static string InstanceIdOf(string seed) =>
        "i-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..17];

    private string StateAt(SpotMarketInstance instance, DateTime now) =>
        instance.State == "pending" && now - instance.LaunchTime >= options.PendingTime ? "running" : instance.State;

    private XElement Reservation(List<SpotMarketInstance> instances, DateTime now) => new(
        Ns + "item",
        new XElement(Ns + "reservationId", "r-" + (instances.Count > 0 ? instances[0].InstanceId[2..] : "00000000000000000")),
        new XElement(Ns + "ownerId", "123456789012"),
        new XElement(Ns + "groupSet"),
        new XElement(Ns + "instancesSet", instances.Select(i =>
        {
            var state = StateAt(i, now);
            var item = new XElement(
                Ns + "item",
                new XElement(Ns + "instanceId", i.InstanceId),
                new XElement(Ns + "imageId", i.ImageId ?? "ami-00000000000000000"),
                StateElement("instanceState", state),
                new XElement(Ns + "privateDnsName", i.Host ?? ""),
                new XElement(Ns + "instanceType", i.InstanceType),
                new XElement(Ns + "launchTime", Iso(i.LaunchTime)),
                new XElement(Ns + "placement", new XElement(Ns + "availabilityZone", i.Zone), new XElement(Ns + "tenancy", "default")),
                new XElement(Ns + "monitoring", new XElement(Ns + "state", "disabled")));
            if (i.SubnetId is not null)
            {
                item.Add(new XElement(Ns + "subnetId", i.SubnetId));
            }

            if (i.PrivateIp is not null)
            {
                item.Add(new XElement(Ns + "privateIpAddress", i.PrivateIp));
            }

            if (i.Spot)
            {
                item.Add(new XElement(Ns + "instanceLifecycle", "spot"));
                item.Add(new XElement(Ns + "spotInstanceRequestId", "sir-" + i.InstanceId[2..10]));
            }

            if (i.StateReason is not null)
            {
                item.Add(new XElement(Ns + "stateReason", new XElement(Ns + "code", i.StateReason), new XElement(Ns + "message", i.StateReason)));
            }

            item.Add(new XElement(Ns + "tagSet", i.Tags.Select(t => new XElement(Ns + "item", new XElement(Ns + "key", t.Key), new XElement(Ns + "value", t.Value)))));
            return item;
        })));

    private static XElement StateElement(string name, string state) => new(
        Ns + name,
        new XElement(Ns + "code", state switch
        {
            "pending" => 0,
            "running" => 16,
            "shutting-down" => 32,
            "terminated" => 48,
            "stopping" => 64,
            _ => 80,
        }),
        new XElement(Ns + "name", state));

    // NextToken carries the offset and the action, so a token of one call is refused by another.
    private static (List<T> Page, string? Next) Page<T>(List<T> all, IReadOnlyDictionary<string, string> form, string action)
    {
        var max = 1000;
        if (form.GetValueOrDefault("MaxResults") is { } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 5 || max > 1000)
            {
                throw new Ec2ApiException("InvalidParameterValue", $"Value ({text}) for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
            }
        }

        var offset = 0;
        if (form.GetValueOrDefault("NextToken") is { Length: > 0 } token)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw new Ec2ApiException("InvalidParameterValue", $"The parameter NextToken is invalid: '{token}'");
            }

            var parts = decoded.Split(':');
            if (parts.Length != 2 || parts[0] != action || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > all.Count)
            {
                throw new Ec2ApiException("InvalidParameterValue", $"The parameter NextToken is invalid: '{token}'");
            }
        }

        var page = all.Skip(offset).Take(max).ToList();
        var end = offset + page.Count;
        return (page, end < all.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"{action}:{end.ToString(CultureInfo.InvariantCulture)}")) : null);
    }

    private static List<string> List(IReadOnlyDictionary<string, string> form, string prefix)
    {
        var values = new List<string>();
        for (var n = 1; form.GetValueOrDefault($"{prefix}.{n.ToString(CultureInfo.InvariantCulture)}") is { } value; n++)
        {
            values.Add(value);
        }

        return values;
    }

    private static List<(string Name, List<string> Values)> Filters(IReadOnlyDictionary<string, string> form)
    {
        var filters = new List<(string, List<string>)>();
        for (var n = 1; form.GetValueOrDefault($"Filter.{n.ToString(CultureInfo.InvariantCulture)}.Name") is { } name; n++)
        {
            filters.Add((name, List(form, $"Filter.{n.ToString(CultureInfo.InvariantCulture)}.Value")));
        }

        return filters;
    }

    private static DateTime? Time(IReadOnlyDictionary<string, string> form, string name)
    {
        if (form.GetValueOrDefault(name) is not { } text)
        {
            return null;
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new Ec2ApiException("InvalidParameterValue", $"Value ({text}) for parameter {name} is invalid. Expecting an ISO 8601 time.");
    }

    private static int Count(IReadOnlyDictionary<string, string> form, string name)
    {
        var text = form.GetValueOrDefault(name) ?? throw new Ec2ApiException("MissingParameter", $"The request must contain the parameter {name}");
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1
            ? value
            : throw new Ec2ApiException("InvalidParameterValue", $"Value ({text}) for parameter {name} is invalid. Expecting a positive integer.");
    }

    private static void ValidateId(string id)
    {
        if (!InstanceIdPattern().IsMatch(id))
        {
            throw new Ec2ApiException("InvalidInstanceID.Malformed", $"Invalid id: \"{id}\"");
        }
    }

    private static string Iso(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Credential=(?<key>[^/\s,]+)/\d{8}/(?<region>[^/\s,]+)/ec2/aws4_request")]
    private static partial Regex CredentialPattern();

    [GeneratedRegex("^i-[0-9a-f]{8,17}$")]
    private static partial Regex InstanceIdPattern();

    [GeneratedRegex("^ami-[0-9a-f]{8,17}$")]
    private static partial Regex AmiPattern();
}

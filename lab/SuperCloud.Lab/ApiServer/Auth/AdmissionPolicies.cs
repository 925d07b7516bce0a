using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cel;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// Enforces ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1) through their bindings, as kube-apiserver's
/// admission plugin does for paramless policies: match constraints (resource rules, exclusions, namespace and object
/// selectors) of the policy and the binding, match conditions, variables, validations with messages and
/// messageExpressions, failure policy, and the binding's validation actions (Deny refuses with the validation's
/// reason, Warn returns a warning, Audit is recorded nowhere). CEL sees <c>object</c>, <c>oldObject</c>,
/// <c>request</c>, <c>params</c> (null), <c>namespaceObject</c> and <c>variables</c>.
/// </summary>
internal sealed class AdmissionPolicies(ObjectStore store)
{
    private static readonly ApiResource Policies = Admission("validatingadmissionpolicies");
    private static readonly ApiResource Bindings = Admission("validatingadmissionpolicybindings");
    private readonly ConcurrentDictionary<string, CompiledPolicy> _compiled = new(StringComparer.Ordinal);

    /// <summary>Runs every bound policy that matches <paramref name="request"/>; throws the first denial, returns warnings.</summary>
    public IReadOnlyList<string> Validate(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var warnings = new List<string>();
        var bindings = store.PeekAll(Bindings);
        if (bindings.Count == 0)
        {
            return warnings;
        }

        Dictionary<string, object?>? inputs = null;
        foreach (var binding in bindings.OrderBy(Json.Name, StringComparer.Ordinal))
        {
            var spec = binding["spec"] as JsonObject;
            var policyName = spec?["policyName"]?.GetValue<string>();
            if (policyName is null || store.Peek(Policies, null, policyName) is not { } policyObject)
            {
                continue;
            }

            var policySpec = policyObject["spec"] as JsonObject;
            if (!Matches(policySpec?["matchConstraints"] as JsonObject, request, required: true)
                || (spec?["matchResources"] is JsonObject bindingMatch && !Matches(bindingMatch, request, required: false)))
            {
                continue;
            }

            var policy = Compile(policyObject);
            inputs ??= Inputs(request);
            var actions = (spec?["validationActions"] as JsonArray)?.Select(a => a?.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
            var failure = policy.Evaluate(inputs);
            if (failure is null)
            {
                continue;
            }

            var bindingName = Json.Name(binding);
            if (actions.Contains("Deny"))
            {
                var (code, reason) = StatusFor(failure.Value.Reason);
                throw new StatusException(code, reason,
                    $"ValidatingAdmissionPolicy '{policy.Name}' with binding '{bindingName}' denied request: {failure.Value.Message}");
            }

            if (actions.Contains("Warn"))
            {
                warnings.Add($"Validation failed for ValidatingAdmissionPolicy '{policy.Name}' with binding '{bindingName}': {failure.Value.Message}");
            }
        }

        return warnings;
    }

    private Dictionary<string, object?> Inputs(AdmissionRequest request)
    {
        object? namespaceObject = null;
        if (request.Namespace.Length > 0 && store.Peek(ResourceOperations.NamespaceResource, null, request.Namespace) is { } ns)
        {
            namespaceObject = CelValues.From(ns, null);
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["object"] = CelValues.From(request.Object, null),
            ["oldObject"] = CelValues.From(request.OldObject, null),
            ["request"] = request.ToCel(),
            ["params"] = null,
            ["namespaceObject"] = namespaceObject,
        };
    }

    private CompiledPolicy Compile(JsonObject policy)
    {
        var key = Json.MetaStr(policy, "uid") + "/" + Json.MetaStr(policy, "resourceVersion");
        if (_compiled.TryGetValue(key, out var compiled))
        {
            return compiled;
        }

        compiled = CompiledPolicy.From(policy);
        foreach (var stale in _compiled.Keys.Where(k => k.StartsWith(Json.MetaStr(policy, "uid") + "/", StringComparison.Ordinal)))
        {
            _compiled.TryRemove(stale, out _);
        }

        _compiled[key] = compiled;
        return compiled;
    }

    // kube's matching of an admission request against MatchResources: the resource rules, minus the exclusions, within the
    // namespace and object selectors. A policy's matchConstraints must name resource rules; a binding's may omit them.
    private bool Matches(JsonObject? match, AdmissionRequest request, bool required)
    {
        if (match is null)
        {
            return !required;
        }

        var rules = (match["resourceRules"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if ((rules.Count > 0 || required) && !rules.Any(r => RuleMatches(r, request)))
        {
            return false;
        }

        if ((match["excludeResourceRules"] as JsonArray)?.OfType<JsonObject>().Any(r => RuleMatches(r, request)) == true)
        {
            return false;
        }

        if (match["objectSelector"] is JsonObject objectSelector
            && !SelectorMatches(objectSelector, Json.Labels(request.Object ?? request.OldObject ?? new JsonObject()))
            && !(request.OldObject is not null && SelectorMatches(objectSelector, Json.Labels(request.OldObject))))
        {
            return false;
        }

        if (match["namespaceSelector"] is JsonObject namespaceSelector && request.Resource.Namespaced)
        {
            var ns = store.Peek(ResourceOperations.NamespaceResource, null, request.Namespace);
            if (!SelectorMatches(namespaceSelector, ns is null ? new Dictionary<string, string>() : Json.Labels(ns)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool RuleMatches(JsonObject rule, AdmissionRequest request)
    {
        static IEnumerable<string> Values(JsonNode? list) => (list as JsonArray)?.Select(v => v?.GetValue<string>() ?? "") ?? [];

        if (!Values(rule["operations"]).Any(o => o == "*" || o == request.Operation)
            || !Values(rule["apiGroups"]).Any(g => g == "*" || g == request.Resource.Group)
            || !Values(rule["apiVersions"]).Any(v => v == "*" || v == request.Resource.Version))
        {
            return false;
        }

        var scope = rule["scope"]?.GetValue<string>() ?? "*";
        if ((scope == "Cluster" && request.Resource.Namespaced) || (scope == "Namespaced" && !request.Resource.Namespaced))
        {
            return false;
        }

        var plural = request.Resource.Plural;
        var sub = request.Subresource;
        foreach (var entry in Values(rule["resources"]))
        {
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var (res, entrySub) = slash < 0 ? (entry, "") : (entry[..slash], entry[(slash + 1)..]);
            var resourceMatches = res == "*" || res == plural;
            var subMatches = entrySub == "*" || entrySub == sub;
            if (resourceMatches && subMatches)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Evaluates a metav1.LabelSelector (matchLabels and matchExpressions); an empty selector matches everything.</summary>
    public static bool SelectorMatches(JsonObject selector, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var (key, value) in selector["matchLabels"] as JsonObject ?? [])
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value?.GetValue<string>())
            {
                return false;
            }
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var key = expression["key"]?.GetValue<string>() ?? "";
            var values = (expression["values"] as JsonArray)?.Select(v => v?.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
            var has = labels.TryGetValue(key, out var actual);
            var ok = expression["operator"]?.GetValue<string>() switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static (int Code, string Reason) StatusFor(string? reason) => reason switch
    {
        "Unauthorized" => (401, "Unauthorized"),
        "Forbidden" => (403, "Forbidden"),
        "RequestEntityTooLarge" => (413, "RequestEntityTooLarge"),
        _ => (422, "Invalid"),
    };

    private static ApiResource Admission(string plural) =>
        BuiltInResources.All.Single(r => r.Group == "admissionregistration.k8s.io" && r.Plural == plural);

    /// <summary>One policy's CEL, compiled once per resourceVersion; an expression that does not compile fails as an evaluation error.</summary>
    private sealed class CompiledPolicy
    {
        private readonly List<(string Name, Expression Expression)> _conditions = [];
        private readonly List<(string Name, Expression Expression)> _variables = [];
        private readonly List<Validation> _validations = [];

        public required string Name { get; init; }

        public required bool FailOpen { get; init; }

        public static CompiledPolicy From(JsonObject policy)
        {
            var spec = policy["spec"] as JsonObject ?? [];
            var compiled = new CompiledPolicy { Name = Json.Name(policy), FailOpen = spec["failurePolicy"]?.GetValue<string>() == "Ignore" };
            foreach (var condition in (spec["matchConditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                compiled._conditions.Add((condition["name"]?.GetValue<string>() ?? "", Expression.Compile(condition["expression"]?.GetValue<string>() ?? "")));
            }

            foreach (var variable in (spec["variables"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                compiled._variables.Add((variable["name"]?.GetValue<string>() ?? "", Expression.Compile(variable["expression"]?.GetValue<string>() ?? "")));
            }

            foreach (var validation in (spec["validations"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var messageExpression = validation["messageExpression"]?.GetValue<string>();
                compiled._validations.Add(new Validation(
                    Expression.Compile(validation["expression"]?.GetValue<string>() ?? ""),
                    validation["message"]?.GetValue<string>(),
                    messageExpression is null ? null : Expression.Compile(messageExpression),
                    validation["reason"]?.GetValue<string>()));
            }

            return compiled;
        }

        /// <summary>Null when the request passes (or the policy does not apply); else the failure message and reason.</summary>
        public (string Message, string? Reason)? Evaluate(Dictionary<string, object?> inputs)
        {
            var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
            var scope = new Dictionary<string, object?>(inputs, StringComparer.Ordinal) { ["variables"] = variables };
            foreach (var (name, condition) in _conditions)
            {
                var (value, error) = condition.Run(scope);
                if (error is not null)
                {
                    return FailOpen ? null : ($"failed to evaluate match condition '{name}': {error}", "Forbidden");
                }

                if (value is not true)
                {
                    return null;
                }
            }

            foreach (var (name, expression) in _variables)
            {
                var (value, error) = expression.Run(scope);
                if (error is null)
                {
                    variables[name] = value;
                }
            }

            foreach (var validation in _validations)
            {
                var (value, error) = validation.Expression.Run(scope);
                if (error is not null)
                {
                    if (FailOpen)
                    {
                        continue;
                    }

                    return ($"expression '{validation.Expression.Text}' resulted in error: {error}", validation.Reason);
                }

                if (value is true)
                {
                    continue;
                }

                return (validation.MessageFor(scope), validation.Reason);
            }

            return null;
        }
    }

    private sealed record Validation(Expression Expression, string? Message, Expression? MessageExpression, string? Reason)
    {
        public string MessageFor(Dictionary<string, object?> scope)
        {
            if (MessageExpression is not null && MessageExpression.Run(scope) is ({ } text, null) && text is string s && s.Trim().Length > 0)
            {
                return s.Trim();
            }

            return Message is { } m && m.Trim().Length > 0 ? m.Trim() : $"failed expression: {Expression.Text}";
        }
    }

    private sealed class Expression
    {
        private readonly CelProgramDelegate? _program;
        private readonly string? _compileError;

        private Expression(string text, CelProgramDelegate? program, string? compileError)
        {
            Text = text;
            _program = program;
            _compileError = compileError;
        }

        public string Text { get; }

        public static Expression Compile(string text)
        {
            try
            {
                return new Expression(text, CelLibrary.Environment.Compile(CelLibrary.Environment.Parse(text)), null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return new Expression(text, null, "compilation failed: " + e.Message);
            }
        }

        public (object? Value, string? Error) Run(Dictionary<string, object?> scope)
        {
            if (_program is null)
            {
                return (null, _compileError);
            }

            try
            {
                return (_program(scope), null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return (null, e.Message.TrimEnd('.'));
            }
        }
    }
}

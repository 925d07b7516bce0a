using k8s.Models;

namespace SuperCloud.Operator.Scheduling;

/// <summary>Evaluates metav1.LabelSelector (matchLabels and matchExpressions) against a label set, with apimachinery's semantics.</summary>
public static class LabelSelectors
{
    /// <summary>True when <paramref name="labels"/> satisfy every requirement; an empty selector matches everything.</summary>
    public static bool Matches(V1LabelSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(requirement.Key, out var actual);
            var ok = requirement.OperatorProperty switch
            {
                "In" => has && (requirement.Values ?? []).Contains(actual!, StringComparer.Ordinal),
                "NotIn" => !has || !(requirement.Values ?? []).Contains(actual!, StringComparer.Ordinal),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => throw new ArgumentException(
                    $"matchExpressions[].operator: '{requirement.OperatorProperty}' is not one of In, NotIn, Exists, DoesNotExist", nameof(selector)),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

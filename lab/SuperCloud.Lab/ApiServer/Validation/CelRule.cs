using System.Globalization;
using System.Text.RegularExpressions;
using Antlr4.Runtime.Tree;
using Cel;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>One compiled <c>x-kubernetes-validations</c> rule with its message, reason and field path.</summary>
internal sealed partial class CelRule
{
    private static readonly HashSet<string> Macros = new(StringComparer.Ordinal) { "exists", "all", "exists_one", "map", "filter" };

    private readonly CelProgramDelegate program;
    private readonly CelProgramDelegate? messageProgram;

    private CelRule(string rule, string? message, string? messageExpression, string? reason, string? fieldPath, bool optionalOldSelf,
        CelProgramDelegate program, CelProgramDelegate? messageProgram, bool isTransition)
    {
        Rule = rule;
        Message = message;
        MessageExpression = messageExpression;
        Reason = reason;
        FieldPath = fieldPath;
        OptionalOldSelf = optionalOldSelf;
        this.program = program;
        this.messageProgram = messageProgram;
        IsTransition = isTransition;
    }

    public string Rule { get; }

    public string? Message { get; }

    public string? MessageExpression { get; }

    public string? Reason { get; }

    public string? FieldPath { get; }

    public bool OptionalOldSelf { get; }

    /// <summary>True when the rule reads <c>oldSelf</c>: it only runs on update where an old value exists.</summary>
    public bool IsTransition { get; }

    /// <summary>Compiles a rule; on failure returns null with kube's detail and the failing key (rule, messageExpression, fieldPath).</summary>
    public static CelRule? TryCompile(string rule, string? message, string? messageExpression, string? reason, string? fieldPath, bool optionalOldSelf,
        SchemaNode? selfSchema, out string? error, out string errorField)
    {
        errorField = "rule";
        if (!TryCompileExpression(rule, selfSchema, out var program, out var usesOldSelf, out error))
        {
            error = "compilation failed: " + error;
            return null;
        }

        CelProgramDelegate? messageProgram = null;
        if (messageExpression is not null)
        {
            errorField = "messageExpression";
            if (messageExpression.Trim().Length == 0)
            {
                error = "must be non-empty if specified";
                return null;
            }

            if (!TryCompileExpression(messageExpression, selfSchema, out messageProgram, out _, out error))
            {
                error = "messageExpression compilation failed: " + error;
                return null;
            }
        }

        if (fieldPath is not null)
        {
            errorField = "fieldPath";
            if (!TryParseFieldPath(fieldPath, out _))
            {
                error = $"fieldPath must be a valid path: {GoText.Quote(fieldPath)}";
                return null;
            }
        }

        return new CelRule(rule, message, messageExpression, reason, fieldPath, optionalOldSelf, program!, messageProgram, usesOldSelf);
    }

    /// <summary>Runs the rule; a failure carries kube's detail (message, messageExpression, or the evaluation error).</summary>
    public RuleOutcome Evaluate(object? self, object? oldSelf)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal) { ["self"] = self, ["oldSelf"] = oldSelf };
        object? result;
        try
        {
            result = program(variables);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new RuleOutcome(false, $"{Describe(e)} evaluating rule: {RuleErrorString}", IsEvaluationError: true);
        }

        if (result is bool passed)
        {
            return passed ? RuleOutcome.Success : new RuleOutcome(false, FailureMessage(variables), IsEvaluationError: false);
        }

        var detail = result?.GetType().Name == "CelNoSuchField" ? "no such key" : $"rule returned {result?.GetType().Name ?? "null"}, not bool";
        return new RuleOutcome(false, $"{detail} evaluating rule: {RuleErrorString}", IsEvaluationError: true);
    }

    /// <summary>How kube names a rule in evaluation errors: its message when it has one, else the rule text.</summary>
    private string RuleErrorString => Message is { } m && m.Trim().Length > 0 ? m.Trim() : Rule.Trim();

    private string FailureMessage(Dictionary<string, object?> variables)
    {
        if (messageProgram is not null)
        {
            try
            {
                if (messageProgram(variables) is string text && text.Trim().Length > 0 && !text.Contains('\n', StringComparison.Ordinal))
                {
                    return text;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // kube logs and falls back to message / the rule text when messageExpression fails.
            }
        }

        return Message is { } m && m.Trim().Length > 0 ? m.Trim() : "failed rule: " + Rule.Trim();
    }

    private static string Describe(Exception e)
    {
        if (NoSuchFieldRegex().Match(e.Message) is { Success: true } m)
        {
            return "no such key: " + m.Groups[1].Value;
        }

        if (e is CelTypeDoesNotSupportFieldSelectionException)
        {
            return "no such key";
        }

        return e.Message.TrimEnd('.');
    }

    private static bool TryCompileExpression(string expression, SchemaNode? selfSchema, out CelProgramDelegate? program, out bool usesOldSelf, out string? error)
    {
        program = null;
        usesOldSelf = false;
        Cel.Internal.CelParser.StartContext tree;
        try
        {
            tree = CelLibrary.Environment.Parse(expression);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var m = ParserErrorRegex().Match(e.Message);
            error = m.Success
                ? $"ERROR: <input>:{m.Groups[1].Value}:{int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1}: Syntax error: {m.Groups[3].Value}"
                : "ERROR: <input>:1:1: Syntax error: " + e.Message;
            return false;
        }

        var bound = new HashSet<string>(StringComparer.Ordinal) { "self", "oldSelf" };
        CollectMacroVariables(tree, bound);
        var problem = FindUndeclared(tree, bound);
        if (problem is null && selfSchema is not null)
        {
            var fieldProblems = new List<string>();
            CheckFields(tree, selfSchema, fieldProblems);
            problem = fieldProblems.FirstOrDefault();
        }

        if (problem is not null)
        {
            error = problem;
            return false;
        }

        usesOldSelf = UsesIdentifier(tree, "oldSelf");
        try
        {
            program = CelLibrary.Environment.Compile(tree);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = "ERROR: <input>:1:1: " + e.Message;
            return false;
        }

        error = null;
        return true;
    }

    private static void CollectMacroVariables(IParseTree node, HashSet<string> bound)
    {
        if (node is Cel.Internal.CelParser.MemberCallContext call && call.ChildCount >= 5 && Macros.Contains(call.GetChild(2).GetText())
            && call.GetChild(4) is Cel.Internal.CelParser.ExprListContext args && args.ChildCount > 0)
        {
            bound.Add(args.GetChild(0).GetText());
        }

        for (var i = 0; i < node.ChildCount; i++)
        {
            CollectMacroVariables(node.GetChild(i), bound);
        }
    }

    private static string? FindUndeclared(IParseTree node, HashSet<string> bound)
    {
        switch (node)
        {
            case Cel.Internal.CelParser.IdentOrGlobalCallContext ident:
                var idNode = Enumerable.Range(0, ident.ChildCount).Select(ident.GetChild).OfType<ITerminalNode>()
                    .FirstOrDefault(t => t.Symbol.Type == Cel.Internal.CelLexer.IDENTIFIER);
                if (idNode is not null)
                {
                    var name = idNode.GetText();
                    var isCall = Enumerable.Range(0, ident.ChildCount).Any(i => ident.GetChild(i).GetText() == "(");
                    var known = isCall ? CelLibrary.KnownFunctions.Contains(name) : bound.Contains(name) || CelLibrary.TypeIdentifiers.Contains(name);
                    if (!known)
                    {
                        return $"ERROR: <input>:{idNode.Symbol.Line}:{idNode.Symbol.Column + 1}: undeclared reference to '{name}' (in container '')";
                    }
                }

                break;
            case Cel.Internal.CelParser.MemberCallContext call when call.ChildCount >= 3 && call.GetChild(2) is ITerminalNode fn:
                if (!CelLibrary.KnownFunctions.Contains(fn.GetText()))
                {
                    return $"ERROR: <input>:{fn.Symbol.Line}:{fn.Symbol.Column + 1}: undeclared reference to '{fn.GetText()}' (in container '')";
                }

                break;
        }

        for (var i = 0; i < node.ChildCount; i++)
        {
            if (FindUndeclared(node.GetChild(i), bound) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>Reports selections of fields the schema does not declare, as kube's type checker does (<c>undefined field 'x'</c>).</summary>
    private static void CheckFields(IParseTree node, SchemaNode selfSchema, List<string> problems)
    {
        if (node is Cel.Internal.CelParser.SelectContext)
        {
            Resolve(node, selfSchema, problems);
        }

        for (var i = 0; i < node.ChildCount; i++)
        {
            CheckFields(node.GetChild(i), selfSchema, problems);
        }
    }

    private static SchemaNode? Resolve(IParseTree node, SchemaNode selfSchema, List<string> problems)
    {
        switch (node)
        {
            case Cel.Internal.CelParser.PrimaryExprContext or Cel.Internal.CelParser.MemberExprContext when node.ChildCount == 1:
                return Resolve(node.GetChild(0), selfSchema, problems);
            case Cel.Internal.CelParser.IdentOrGlobalCallContext ident when ident.ChildCount == 1 && ident.GetText() is "self" or "oldSelf":
                return selfSchema;
            case Cel.Internal.CelParser.SelectContext select when select.GetChild(select.ChildCount - 1) is ITerminalNode field:
                var parent = Resolve(select.GetChild(0), selfSchema, problems);
                if (parent is null)
                {
                    return null;
                }

                var name = field.GetText();
                if (parent.Properties.TryGetValue(name, out var property))
                {
                    return property;
                }

                if (parent.AdditionalProperties is { } additional)
                {
                    return additional;
                }

                if (parent.Type == "object" && !parent.PreserveUnknownFields && name is not ("apiVersion" or "kind" or "metadata"))
                {
                    problems.Add($"ERROR: <input>:{field.Symbol.Line}:{field.Symbol.Column + 1}: undefined field '{name}'");
                }

                return null;
            case Cel.Internal.CelParser.IndexContext index:
                var indexed = Resolve(index.GetChild(0), selfSchema, problems);
                return indexed?.Items ?? indexed?.AdditionalProperties;
            default:
                return null;
        }
    }

    private static bool UsesIdentifier(IParseTree node, string name)
    {
        if (node is ITerminalNode t && t.Symbol.Type == Cel.Internal.CelLexer.IDENTIFIER && t.GetText() == name)
        {
            return true;
        }

        for (var i = 0; i < node.ChildCount; i++)
        {
            if (UsesIdentifier(node.GetChild(i), name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Parses a rule's <c>fieldPath</c> (<c>.spec.x</c>, <c>.list[0]</c>, <c>['a.b']</c>) into field.Path segments:
    /// names are appended with a dot, indexes and keys in brackets.
    /// </summary>
    public static bool TryParseFieldPath(string fieldPath, out List<string> segments)
    {
        segments = [];
        var i = 0;
        while (i < fieldPath.Length)
        {
            if (fieldPath[i] == '.')
            {
                var start = ++i;
                while (i < fieldPath.Length && fieldPath[i] is not '.' and not '[')
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }

                segments.Add(fieldPath[start..i]);
            }
            else if (fieldPath[i] == '[')
            {
                var end = fieldPath.IndexOf(']', i);
                if (end < 0)
                {
                    return false;
                }

                var inner = fieldPath[(i + 1)..end].Trim();
                if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
                {
                    inner = inner[1..^1];
                }
                else if (!long.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return false;
                }

                segments.Add("[" + inner + "]");
                i = end + 1;
            }
            else
            {
                return false;
            }
        }

        return segments.Count > 0;
    }

    [GeneratedRegex(@"Line (\d+):(\d+) (.*)$", RegexOptions.Singleline)]
    private static partial Regex ParserErrorRegex();

    [GeneratedRegex(@"select field '([^']*)'")]
    private static partial Regex NoSuchFieldRegex();
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CamSdk.Generators.Diagnostics;

/// <summary>Finds the argument of a call that binds to a named parameter, by name or by position.</summary>
internal static class Arguments
{
    public static ArgumentSyntax? For(InvocationExpressionSyntax invocation, IMethodSymbol method, string parameter)
    {
        var position = -1;
        for (int p = 0; p < method.Parameters.Length; p++)
        {
            position = method.Parameters[p].Name == parameter ? p : position;
        }

        for (int i = 0; i < invocation.ArgumentList.Arguments.Count; i++)
        {
            var argument = invocation.ArgumentList.Arguments[i];
            if (argument.NameColon is { } name ? name.Name.Identifier.Text == parameter : i == position)
            {
                return argument;
            }
        }

        return null;
    }
}

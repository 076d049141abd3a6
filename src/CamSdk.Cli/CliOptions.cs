using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;

namespace CamSdk.Cli;

/// <summary>
/// Options built the same way everywhere: numbers parsed with plain-language errors and a lower bound, and path
/// options that never take another option (<c>--image --bogus</c>) as a file name.
/// </summary>
internal static class CliOptions
{
    /// <summary>An optional whole-number option (no value when not given).</summary>
    internal static Option<int?> OptionalInt(string name, string description, int minimum, int maximum = int.MaxValue) =>
        new(name)
        {
            Description = description,
            CustomParser = result => ParseInt(result, name, minimum, maximum),
        };

    /// <summary>A number option (decimals allowed; no value when not given).</summary>
    internal static Option<double?> Double(string name, string description, double minimum) =>
        new(name)
        {
            Description = description,
            CustomParser = result =>
            {
                var text = Single(result);
                if (text is null)
                {
                    return null;
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    result.AddError($"{name} takes a number, such as 0.5; '{text}' is not one.");
                    return null;
                }

                if (value < minimum)
                {
                    result.AddError($"{name} must be at least {minimum.ToString(CultureInfo.InvariantCulture)} (got {text}).");
                }

                return value;
            },
        };

    /// <summary>A path option, or several; a value that starts with '-' is an unknown option, never a file name.</summary>
    internal static T Path<T>(T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-') && t.Value.Length > 1))
            {
                result.AddError(
                    $"{result.Option.Name} got '{token.Value}', which is an option, not a file: it is not an option of this command, or a value is missing before it. " +
                    $"(A file whose name starts with '-' can be given as ./{token.Value}.)");
            }
        });
        return option;
    }

    private static string? Single(ArgumentResult result) => result.Tokens.Count == 0 ? null : result.Tokens[^1].Value;

    private static int? ParseInt(ArgumentResult result, string name, int minimum, int maximum = int.MaxValue)
    {
        var text = Single(result);
        if (text is null)
        {
            return null;
        }

        var example = Math.Max(minimum, 3).ToString(CultureInfo.InvariantCulture);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} takes a whole number{Bound(minimum)}, such as {example}; '{text}' is not one.");
            return null;
        }

        if (value > int.MaxValue)
        {
            result.AddError($"{name} got {text}, which is too large (at most {int.MaxValue:N0}).");
            return null;
        }

        if (value < minimum)
        {
            result.AddError($"{name} must be at least {minimum} (got {text}).");
            return null;
        }

        if (value > maximum)
        {
            result.AddError($"{name} must be at most {maximum} (got {text}).");
            return null;
        }

        return (int)value;
    }

    private static string Bound(int minimum) => minimum == int.MinValue ? string.Empty : $" of at least {minimum}";
}

using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Reflection;

namespace CamSdk.Cli;

/// <summary>
/// Binds a command's options to a settings type by name: <c>--input-npy</c> to the property <c>InputNpy</c>. An option the
/// user did not give leaves the property at its initial value, so each default is written once, in the settings type, and
/// the help shows it from there.
/// </summary>
internal static class SettingsBinder
{
    /// <summary>Options every command has, bound elsewhere.</summary>
    private static readonly HashSet<string> Common = ["--quiet", "--help", "--version"];

    private static readonly MethodInfo GetValueOrDefault = typeof(OptionResult).GetMethods()
        .Single(m => m.Name == nameof(OptionResult.GetValueOrDefault) && m.IsGenericMethodDefinition && m.GetParameters().Length == 0);

    /// <summary>Adds the options to the command, each told its default from <typeparamref name="T"/> (checked to have a property).</summary>
    internal static void Add<T>(Command command, params Option[] options)
        where T : new()
    {
        var defaults = new T();
        foreach (var option in options)
        {
            var value = PropertyOf<T>(option).GetValue(defaults);
            if (value is not (null or false or "" or Array { Length: 0 }) && !option.Required)
            {
                option.Description = $"{option.Description} Default: {Format(value)}.";
            }

            command.Options.Add(option);
        }
    }

    /// <summary>The settings of a parsed command: every option given sets its property; the others keep their defaults.</summary>
    internal static T Bind<T>(ParseResult parse)
        where T : new()
    {
        var settings = new T();
        foreach (var option in parse.CommandResult.Command.Options.Where(o => !Common.Contains(o.Name)))
        {
            if (parse.GetResult(option) is not { Implicit: false } result)
            {
                continue;
            }

            var value = GetValueOrDefault.MakeGenericMethod(option.ValueType).Invoke(result, null);
            if (value is not null)
            {
                PropertyOf<T>(option).SetValue(settings, value);
            }
        }

        return settings;
    }

    private static PropertyInfo PropertyOf<T>(Option option) =>
        typeof(T).GetProperty(PropertyName(option.Name))
        ?? throw new InvalidOperationException($"{typeof(T).Name} has no property {PropertyName(option.Name)} for {option.Name}: each option binds to the property of its name.");

    /// <summary><c>--input-npy</c> → <c>InputNpy</c>.</summary>
    internal static string PropertyName(string option) =>
        string.Concat(option.TrimStart('-').Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static string Format(object value) => value switch
    {
        double d => d.ToString(CultureInfo.InvariantCulture),
        true => "on",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}

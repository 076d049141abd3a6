namespace CamSdk.Cli;

/// <summary>The explanation methods the command line offers.</summary>
internal enum Method
{
    GradCam,
    GuidedBackprop,
    GuidedGradCam,
}

/// <summary>The command line's names of <see cref="Method"/>.</summary>
internal static class MethodNames
{
    internal static readonly string[] All = ["gradcam", "guided-backprop", "guided-gradcam"];

    internal static Method Parse(string name) => name.ToLowerInvariant() switch
    {
        "gradcam" => Method.GradCam,
        "guided-backprop" => Method.GuidedBackprop,
        "guided-gradcam" => Method.GuidedGradCam,
        _ => throw new CamException($"Unknown method '{name}'. Valid choices: {string.Join(", ", All)}."),
    };

    internal static string Name(Method method) => All[(int)method];

    internal static bool Includes(this Method method, Method part) =>
        method == part || (method == Method.GuidedGradCam && part is Method.GradCam or Method.GuidedBackprop);
}

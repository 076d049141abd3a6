using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>The outcome of a sanity check (<see cref="SanityCheck"/>).</summary>
/// <param name="Methods">The method keys, in the order of every step's maps.</param>
/// <param name="Layers">The layers randomised, from the top down.</param>
/// <param name="Original">For the gallery's images, each method's absolute-value map with the learned weights.</param>
/// <param name="Steps">Every step of every test run, cascading first.</param>
/// <param name="Verdicts">One verdict per method.</param>
/// <param name="Images">The images the statistics average over.</param>
public sealed record SanityCheckResult(
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Layers,
    IReadOnlyList<IReadOnlyList<float[,]>> Original,
    IReadOnlyList<SanityStep> Steps,
    IReadOnlyList<SanityVerdict> Verdicts,
    int Images)
{
    /// <summary>Each method's name in reports, by key (as the methods give it); a key names itself when absent.</summary>
    public IReadOnlyDictionary<string, string> MethodNames { get; init; } = new Dictionary<string, string>();

    /// <summary>A method's name in reports.</summary>
    /// <param name="key">The method's key.</param>
    /// <returns>Its name, or the key.</returns>
    public string NameOf(string key) => MethodNames.GetValueOrDefault(key, key);

    /// <summary>
    /// Writes the check into a folder: <c>sanity.csv</c> (one row per step and method), <c>sanity.json</c>, a plot of the
    /// rank correlation against the randomised layers per test (<c>sanity-cascading.png</c>, <c>sanity-independent.png</c>)
    /// and every kept image's maps at each step (<c>maps/image-N/METHOD/…png</c>).
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <returns>The files written.</returns>
    public System.Collections.Generic.IReadOnlyList<string> WriteTo(string directory)
    {
        System.ArgumentException.ThrowIfNullOrEmpty(directory);
        return CheckFiles.Write(this, directory);
    }
}

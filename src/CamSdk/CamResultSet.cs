using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Methods;

namespace CamSdk;

/// <summary>
/// The maps of several methods from one explaining call, one <see cref="CamResult"/> per method in the order asked.
/// Owns every result: dispose it, or let an enclosing <c>torch.NewDisposeScope()</c> do so.
/// </summary>
public sealed class CamResultSet : IReadOnlyList<CamResult>, IDisposable
{
    private readonly CamResult[] _results;

    internal CamResultSet(CamResult[] results) => _results = results;

    /// <inheritdoc />
    public int Count => _results.Length;

    /// <inheritdoc />
    public CamResult this[int index] => _results[index];

    /// <summary>
    /// The result of the method with this key or name, case-insensitively: <c>gradcam++</c> (its
    /// <see cref="CamMethod.Key"/>) or <c>GradCAMPlusPlus</c> (its <see cref="CamMethod.Name"/>).
    /// </summary>
    /// <param name="keyOrName">The method's key or name.</param>
    /// <returns>Its result.</returns>
    /// <exception cref="KeyNotFoundException">No method of that key or name was computed.</exception>
    public CamResult this[string keyOrName] =>
        _results.FirstOrDefault(r => string.Equals(r.MethodKey, keyOrName, StringComparison.OrdinalIgnoreCase))
        ?? _results.FirstOrDefault(r => string.Equals(r.MethodName, keyOrName, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException(
            $"No result of a method with the key or name '{keyOrName}'. Computed: {string.Join(", ", _results.Select(r => $"{r.MethodKey} ({r.MethodName})"))}.");

    /// <summary>The result of <paramref name="method"/>.</summary>
    /// <param name="method">One of the methods of the call.</param>
    /// <returns>Its result.</returns>
    public CamResult this[CamMethod method] => this[(method ?? throw new ArgumentNullException(nameof(method))).Key];

    /// <inheritdoc />
    public IEnumerator<CamResult> GetEnumerator() => ((IEnumerable<CamResult>)_results).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Releases every result's native memory.</summary>
    public void Dispose()
    {
        foreach (var result in _results)
        {
            result.Dispose();
        }
    }
}

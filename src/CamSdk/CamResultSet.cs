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

    /// <summary>The result of the method with this name (e.g. <c>GradCAM</c>; case-insensitive).</summary>
    /// <param name="methodName">The method's <see cref="CamMethod.Name"/>.</param>
    /// <returns>Its result.</returns>
    /// <exception cref="KeyNotFoundException">No method of that name was computed.</exception>
    public CamResult this[string methodName] =>
        _results.FirstOrDefault(r => string.Equals(r.Method, methodName, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No result of a method named '{methodName}'. Computed: {string.Join(", ", _results.Select(r => r.Method))}.");

    /// <summary>The result of <paramref name="method"/>.</summary>
    /// <param name="method">One of the methods of the call.</param>
    /// <returns>Its result.</returns>
    public CamResult this[CamMethod method] => this[(method ?? throw new ArgumentNullException(nameof(method))).Name];

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

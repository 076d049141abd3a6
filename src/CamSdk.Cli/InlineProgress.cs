using System;

namespace CamSdk.Cli;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the calling thread: <see cref="Progress{T}"/> posts each report to the
/// thread pool in a console program, where a late report could land after the work (and its bars) finished.
/// </summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

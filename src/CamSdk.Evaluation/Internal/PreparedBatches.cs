using System;
using System.Threading;
using System.Threading.Tasks;
using CamSdk.Evaluation;

namespace CamSdk.Internal;

/// <summary>
/// The images of a run of batches, decoded in order: one batch ahead on a thread-pool thread while the caller explains
/// the batch before, or on the caller's thread when it asks for the batch (<see cref="BatchPreparation.Inline"/>).
/// </summary>
/// <remarks>
/// <para>
/// Only decoding runs ahead, which is managed code and SkiaSharp: no libtorch (see <see cref="BatchPreparation"/> for
/// why the tensors are made on the explaining thread). The first batch has nothing to overlap with: the caller may
/// decode it itself while it waits, as a batch the second thread has not started yet.
/// </para>
/// <para>
/// At most one batch is decoded ahead. A decoding's exception reaches the caller unchanged when it asks for that
/// batch, as it would inline. Disposing waits for a batch still being decoded, so no thread is left working after an
/// evaluation returns or throws.
/// </para>
/// </remarks>
/// <typeparam name="T">A decoded batch.</typeparam>
internal sealed class PreparedBatches<T> : IDisposable
{
    private readonly int _count;
    private readonly bool _ahead;
    private readonly Func<int, T> _prepare;
    private readonly CancellationToken _cancellationToken;
    private Task<T>? _pending;
    private int _next;

    /// <param name="count">How many batches.</param>
    /// <param name="ahead">Decode each batch on another thread while the caller works on the one before.</param>
    /// <param name="prepare">Decodes batch i (i from 0).</param>
    /// <param name="cancellationToken">A batch not yet started is not decoded once it is cancelled.</param>
    internal PreparedBatches(int count, bool ahead, Func<int, T> prepare, CancellationToken cancellationToken) =>
        (_count, _ahead, _prepare, _cancellationToken) = (count, ahead, prepare, cancellationToken);

    /// <summary>The next batch (batch 0, then 1…); starts decoding the batch after it.</summary>
    /// <exception cref="InvalidOperationException">Every batch has been taken.</exception>
    internal T Next()
    {
        if (_next >= _count)
        {
            throw new InvalidOperationException($"All {_count} batches have been taken.");
        }

        var index = _next++;
        if (!_ahead)
        {
            return _prepare(index);
        }

        var pending = _pending ?? Start(index);
        _pending = null;
        // GetResult rethrows the decoding's own exception, not an AggregateException.
        var batch = pending.GetAwaiter().GetResult();
        if (_next < _count)
        {
            _pending = Start(_next);
        }

        return batch;
    }

    /// <summary>Waits for a batch still being decoded.</summary>
    public void Dispose()
    {
        if (_pending is not { } pending)
        {
            return;
        }

        _pending = null;
        ((IAsyncResult)pending).AsyncWaitHandle.WaitOne();
        // Observed, so that it is not reported as unobserved: the caller stopped before it needed this batch.
        _ = pending.Exception;
    }

    private Task<T> Start(int index) => Task.Run(
        () =>
        {
            _cancellationToken.ThrowIfCancellationRequested();
            return _prepare(index);
        },
        CancellationToken.None);
}

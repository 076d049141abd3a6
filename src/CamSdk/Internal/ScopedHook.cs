using System;
using System.Collections.Generic;
using System.Threading;
using TorchSharp;
using PostHook = System.Func<TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace CamSdk.Internal;

/// <summary>
/// A forward hook that acts only for the thread that installed it, for one explaining call.
/// </summary>
/// <remarks>
/// The same model may be running in other threads (a server predicting while it explains). TorchSharp keeps a
/// module's hooks in a plain <c>Dictionary</c> that <c>call</c> enumerates, so adding or removing a hook while
/// another thread runs the module could break that thread's enumeration. The hook table is therefore never
/// changed in place: a copy with the hook added (or removed) is swapped in, and a thread already enumerating
/// the old table finishes on it. Once installed, the hook returns null (keep the output) on every other thread.
/// </remarks>
internal sealed class ScopedHook : IDisposable
{
    private static readonly Lock SwapLock = new();

    private readonly torch.nn.Module<torch.Tensor, torch.Tensor> _module;
    private readonly string _key = "camsdk:" + Guid.NewGuid().ToString("N");
    private torch.nn.Module<torch.Tensor, torch.Tensor>.HookRemover? _fallback;
    private bool _removed;

    private ScopedHook(torch.nn.Module<torch.Tensor, torch.Tensor> module, Func<torch.nn.Module<torch.Tensor, torch.Tensor>, torch.Tensor, torch.Tensor, torch.Tensor?> hook)
    {
        _module = module;
        var thread = Environment.CurrentManagedThreadId;
        PostHook filtered =
            (m, input, output) => Environment.CurrentManagedThreadId == thread ? hook(m, input, output)! : null!;
        if (!Swap(table => table.Add(_key, filtered)))
        {
            // A TorchSharp without the expected hook table: still correct for this thread, still filtered for others.
            _fallback = module.register_forward_hook(filtered);
        }
    }

    /// <summary>Installs <paramref name="hook"/> on <paramref name="module"/> for the calling thread; dispose to remove it.</summary>
    /// <param name="module">The module whose output the hook sees.</param>
    /// <param name="hook">Returns a replacement output, or null to keep the module's.</param>
    internal static ScopedHook Install(torch.nn.Module<torch.Tensor, torch.Tensor> module, Func<torch.nn.Module<torch.Tensor, torch.Tensor>, torch.Tensor, torch.Tensor, torch.Tensor?> hook) =>
        new(module, hook);

    public void Dispose()
    {
        if (_removed)
        {
            return;
        }

        _removed = true;
        if (_fallback is not null)
        {
            _fallback.remove();
            _fallback = null;
        }
        else
        {
            Swap(table => table.Remove(_key));
        }
    }

    private bool Swap(Action<IDictionary<string, PostHook>> change)
    {
        lock (SwapLock)
        {
            if (TorchSharpInternals.PostHooks?.GetValue(_module) is not Dictionary<string, PostHook> current)
            {
                return false;
            }

            var copy = new Dictionary<string, PostHook>(current);
            change(copy);
            TorchSharpInternals.PostHooks!.SetValue(_module, copy);
            Interlocked.MemoryBarrier();
        }

        return true;
    }
}

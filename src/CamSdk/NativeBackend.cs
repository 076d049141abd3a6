using System;
using System.Threading;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// Checks, once per process, that libtorch's float32 convolution gradients are right on this machine, and works around
/// the case where they are not.
/// </summary>
/// <remarks>
/// <para>
/// Every gradient method that differentiates through a convolution (Guided Backpropagation, a CAM of any layer that is
/// followed by convolutions, several layers at once) depends on libtorch's convolution backward pass. On some virtual
/// machines (seen on an AMD EPYC guest that reports a 512 MB L3 cache) the oneDNN (MKL-DNN) kernels that TorchSharp-cpu's
/// libtorch 2.10 uses for float32 convolutions return wrong gradients: different from call to call with several
/// threads, sometimes NaN, and wrong but repeatable with one thread, while the forward pass and float64 are right.
/// </para>
/// <para>
/// The check compares a small float32 convolution's gradients with float64 ones. Where they disagree, CamSdk turns
/// oneDNN off (what <c>torch.backends.mkldnn.enabled = False</c> does in Python; NNPACK too, which would otherwise warn
/// on every convolution on processors it does not support) for the duration of each explaining pass that computes
/// gradients, and back on afterwards, so that forward-only work (inference, Score-CAM's and Ablation-CAM's passes) keeps
/// oneDNN's speed. <see cref="EnsureCorrectConvolutionGradients"/> turns it off for the whole process instead: call it
/// before training a model in a process on such a machine. Where the kernels are right, nothing is changed.
/// </para>
/// </remarks>
public static class NativeBackend
{
    /// <summary>
    /// The environment variable that turns oneDNN off for a whole process when set to <c>off</c> (or <c>0</c>, <c>false</c>):
    /// <c>CAMSDK_ONEDNN=off</c>, what <c>torch.backends.mkldnn.enabled = False</c> at the top of a Python script does.
    /// </summary>
    public const string OneDnnVariable = "CAMSDK_ONEDNN";

    private static readonly Lock Gate = new();
    private static readonly Lazy<bool> Faulty = new(DetectFaultyKernels, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<bool> Configured = new(ApplyEnvironment, LazyThreadSafetyMode.ExecutionAndPublication);
    private static ConvolutionCheck? _global;
    private static int _scopes;
    private static (bool Mkldnn, bool Nnpack) _restore;

    /// <summary>
    /// Whether libtorch may run oneDNN (MKL-DNN) kernels in this process, as <c>torch.backends.mkldnn.enabled</c> in Python:
    /// true by default, false after <see cref="EnsureCorrectConvolutionGradients"/> on a machine whose oneDNN gradients are
    /// wrong, or with <c>CAMSDK_ONEDNN=off</c> (<see cref="OneDnnVariable"/>).
    /// </summary>
    /// <remarks>
    /// A process-wide setting: every thread's convolutions follow it. Where oneDNN's convolution gradients are wrong, each
    /// explaining pass that computes gradients still runs without oneDNN, whatever this says, and the setting is restored
    /// when the last such pass ends.
    /// </remarks>
    public static bool OneDnnEnabled
    {
        get
        {
            _ = Configured.Value;
            lock (Gate)
            {
                return _scopes > 0 && Faulty.Value ? _restore.Mkldnn : Flags().Mkldnn;
            }
        }

        set
        {
            _ = Configured.Value;
            lock (Gate)
            {
                if (_scopes > 0 && Faulty.Value)
                {
                    _restore = (value, _restore.Nnpack);
                }
                else
                {
                    Switch(value, Flags().Nnpack);
                }
            }
        }
    }

    /// <summary>
    /// Makes sure that float32 convolution gradients are right for the rest of the process (see the remarks); checks once.
    /// </summary>
    /// <returns>Whether the kernels were right as they were, or oneDNN had to be turned off.</returns>
    /// <exception cref="CamNumericException">The gradients are wrong and turning oneDNN off did not help.</exception>
    public static ConvolutionCheck EnsureCorrectConvolutionGradients()
    {
        _ = Configured.Value;
        lock (Gate)
        {
            if (_global is { } known)
            {
                return known;
            }

            if (Faulty.Value)
            {
                if (_scopes > 0)
                {
                    _restore = (false, false);
                }
                else
                {
                    Switch(mkldnn: false, nnpack: false);
                }
            }

            _global = Faulty.Value ? ConvolutionCheck.CorrectedByDisablingOneDnn : ConvolutionCheck.Correct;
            return _global.Value;
        }
    }

    /// <summary>Whether this machine's oneDNN float32 convolution gradients are wrong (checked once per process).</summary>
    /// <remarks>Where true, CamSdk's gradient passes run without oneDNN (see the class's remarks).</remarks>
    public static bool OneDnnGradientsAreWrong
    {
        get
        {
            _ = Configured.Value;
            return Faulty.Value;
        }
    }

    /// <summary>
    /// For one pass that computes gradients: on a machine with faulty kernels, oneDNN (and NNPACK) are off until the
    /// returned scope is disposed, across all threads' overlapping scopes, and then as they were before the first one;
    /// elsewhere a no-op.
    /// </summary>
    internal static IDisposable? GradientScope()
    {
        _ = Configured.Value;
        if (!Faulty.Value)
        {
            return null;
        }

        lock (Gate)
        {
            if (_scopes++ == 0)
            {
                _restore = Flags();
                Switch(mkldnn: false, nnpack: false);
            }
        }

        return new Scope();
    }

    /// <summary>Applies <see cref="OneDnnVariable"/> once, before anything else here reads or changes the flags.</summary>
    private static bool ApplyEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(OneDnnVariable)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        var off = value.Equals("off", StringComparison.OrdinalIgnoreCase) || value == "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase);
        var on = value.Equals("on", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);
        if (!off && !on)
        {
            throw new CamException($"{OneDnnVariable} is '{value}': set it to 'off' to run without oneDNN, or 'on' (the default); leave it unset otherwise.");
        }

        lock (Gate)
        {
            Switch(mkldnn: on, Flags().Nnpack);
        }

        return true;
    }

    private static bool DetectFaultyKernels()
    {
        var before = Flags();
        try
        {
            // NNPACK off while checking: the small convolutions would otherwise try it first (and, where the processor
            // lacks it, print a warning each), instead of the kernels under test.
            Switch(before.Mkldnn, nnpack: false);
            if (ConvolutionGradientsAreRight())
            {
                return false;
            }

            if (!Switch(mkldnn: false, nnpack: false) || !ConvolutionGradientsAreRight())
            {
                throw new CamNumericException(
                    "libtorch computes wrong float32 convolution gradients on this machine (they disagree with float64), and turning oneDNN off " +
                    "did not fix them. Gradient-based explanations would be wrong here: run on another machine, or in float64.");
            }

            return true;
        }
        finally
        {
            Switch(before.Mkldnn, before.Nnpack);
        }
    }

    /// <summary>Two convolutions' input and weight gradients in float32 against float64, a few times (the failure is intermittent).</summary>
    private static bool ConvolutionGradientsAreRight()
    {
        using var scope = torch.NewDisposeScope();
        using var enabled = torch.enable_grad();
        // Fixed, seed-independent values (the check must not touch the user's random number generator), in shapes that
        // showed the failure: few channels and no padding, and a wider layer.
        (torch.Tensor Input, torch.Tensor Weight1, torch.Tensor Weight2)[] cases =
        [
            (Pattern([2, 1, 7, 7], 0.37), Pattern([3, 1, 3, 3], 1.13).mul(Scalars.Of(0.3)), Pattern([2, 3, 3, 3], 2.71).mul(Scalars.Of(0.2))),
            (Pattern([2, 3, 11, 11], 0.41), Pattern([8, 3, 3, 3], 1.7).mul(Scalars.Of(0.3)), Pattern([4, 8, 3, 3], 0.23).mul(Scalars.Of(0.2))),
        ];
        foreach (var (input, weight1, weight2) in cases)
        {
            var expected = Gradients(input, weight1, weight2, torch.float64);
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var actual = Gradients(input, weight1, weight2, torch.float32);
                for (var i = 0; i < expected.Length; i++)
                {
                    var error = (actual[i].to(torch.float64) - expected[i]).abs().max().item<double>();
                    var size = expected[i].abs().max().item<double>();
                    if (!(error <= 1e-4 * Math.Max(size, 1e-3)))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static torch.Tensor[] Gradients(torch.Tensor input, torch.Tensor weight1, torch.Tensor weight2, torch.ScalarType type)
    {
        var x = input.to(type).detach().requires_grad_(true);
        var w1 = weight1.to(type).detach().requires_grad_(true);
        var w2 = weight2.to(type).detach().requires_grad_(true);
        var hidden = torch.nn.functional.conv2d(x, w1).relu();
        var output = torch.nn.functional.conv2d(hidden, w2);
        var loss = (output * output).sum();
        return [.. torch.autograd.grad([loss], [x, w1, w2])];
    }

    private static torch.Tensor Pattern(long[] shape, double phase)
    {
        var count = 1L;
        foreach (var d in shape)
        {
            count *= d;
        }

        using var stop = count.ToScalar();
        using var shift = phase.ToScalar();
        return torch.arange(Scalars.Of(0), stop, Scalars.Of(1), dtype: torch.float64).mul(Scalars.Of(0.7)).Plus(shift).sin().reshape(shape);
    }

    private static (bool Mkldnn, bool Nnpack) Flags() => TorchSharpInternals.BackendFlags();

    private static bool Switch(bool mkldnn, bool nnpack) => TorchSharpInternals.SetBackendFlags(mkldnn, nnpack);

    private sealed class Scope : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            lock (Gate)
            {
                if (--_scopes == 0)
                {
                    Switch(_restore.Mkldnn, _restore.Nnpack);
                }
            }
        }
    }
}

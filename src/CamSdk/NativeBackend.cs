using System;
using System.Runtime.InteropServices;
using System.Threading;
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
/// libtorch 2.10 uses for float32 convolutions return wrong input gradients there: different from call to call with
/// several threads, sometimes NaN, and wrong but repeatable with one thread, while the forward pass and float64 are right.
/// </para>
/// <para>
/// <see cref="EnsureCorrectConvolutionGradients"/> compares a small float32 convolution's gradients with float64 ones,
/// and, if they disagree, turns oneDNN off for the process (<c>at::globalContext().setUserEnabledMkldnn(false)</c>, what
/// <c>torch.backends.mkldnn.enabled = False</c> does in Python), after which libtorch's own convolution kernels are used,
/// and checks again. Explanations call it before their first backward pass; call it yourself before training a model
/// in the same process. On a machine whose kernels are right it changes nothing.
/// </para>
/// </remarks>
public static class NativeBackend
{
    private static readonly Lock Gate = new();
    private static ConvolutionCheck? _result;

    /// <summary>
    /// Makes sure that float32 convolution gradients are right in this process (see the remarks); runs the check once.
    /// </summary>
    /// <returns>Whether the kernels were right as they were, or had to be switched.</returns>
    /// <exception cref="CamNumericException">The gradients are wrong and turning oneDNN off did not help.</exception>
    public static ConvolutionCheck EnsureCorrectConvolutionGradients()
    {
        if (_result is { } known)
        {
            return known;
        }

        lock (Gate)
        {
            if (_result is { } again)
            {
                return again;
            }

            var outcome = ConvolutionCheck.Correct;
            if (!ConvolutionGradientsAreRight())
            {
                if (!TryDisableOneDnn() || !ConvolutionGradientsAreRight())
                {
                    throw new CamNumericException(
                        "libtorch computes wrong float32 convolution gradients on this machine (they disagree with float64), and turning oneDNN off " +
                        "did not fix them. Gradient-based explanations would be wrong here: run on another machine, or in float64.");
                }

                outcome = ConvolutionCheck.CorrectedByDisablingOneDnn;
            }

            _result = outcome;
            return outcome;
        }
    }

    /// <summary>Two convolutions' input and weight gradients in float32 against float64, a few times (the failure is intermittent).</summary>
    private static bool ConvolutionGradientsAreRight()
    {
        using var scope = torch.NewDisposeScope();
        using var enabled = torch.enable_grad();
        // Fixed, seed-independent values (the check must not touch the user's random number generator), in small shapes
        // that showed the failure: few channels, no padding.
        (torch.Tensor Input, torch.Tensor Weight1, torch.Tensor Weight2)[] cases =
        [
            (Pattern([2, 1, 7, 7], 0.37), Pattern([3, 1, 3, 3], 1.13) * 0.3, Pattern([2, 3, 3, 3], 2.71) * 0.2),
            (Pattern([2, 3, 11, 11], 0.41), Pattern([8, 3, 3, 3], 1.7) * 0.3, Pattern([4, 8, 3, 3], 0.23) * 0.2),
        ];
        foreach (var (input, weight1, weight2) in cases)
        {
            if (!GradientsAgree(input, weight1, weight2))
            {
                return false;
            }
        }

        return true;
    }

    private static bool GradientsAgree(torch.Tensor input, torch.Tensor weight1, torch.Tensor weight2)
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

        return (torch.arange(count, dtype: torch.float64) * 0.7 + phase).sin().reshape(shape);
    }

    private static bool TryDisableOneDnn()
    {
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var library) &&
            !NativeLibrary.TryLoad("libtorch_cpu", typeof(torch).Assembly, null, out library))
        {
            return false;
        }

        if (!NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext) ||
            !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledMkldnnEb", out var setEnabled))
        {
            return false;
        }

        var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)();
        Marshal.GetDelegateForFunctionPointer<SetUserEnabledMkldnn>(setEnabled)(context, false);
        return true;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}

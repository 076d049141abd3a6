using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// Everything CamSdk reaches inside TorchSharp and libtorch that neither makes public, in one place: the table of a
/// module's forward hooks (swapped whole so that other threads never see a hook being added), a module's native handle
/// (to tell a disposed module), and libtorch's switches for oneDNN and NNPACK (what <c>torch.backends.mkldnn.enabled</c>
/// sets in Python). Written for TorchSharp 0.107 and libtorch 2.10; <see cref="Problems"/> says what another version lacks.
/// </summary>
internal static class TorchSharpInternals
{
    /// <summary>The TorchSharp version these internals were read from.</summary>
    internal const string WrittenFor = "TorchSharp 0.107 (libtorch 2.10)";

    /// <summary>A module's forward hooks, called by <c>Module.call</c> in order: <c>Dictionary&lt;string, Func&lt;…&gt;&gt; post_hooks</c>.</summary>
    internal static readonly FieldInfo? PostHooks =
        typeof(torch.nn.Module<torch.Tensor, torch.Tensor>).BaseType?.GetField("post_hooks", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>A module's native handle, closed when the module is disposed.</summary>
    internal static readonly FieldInfo? ModuleHandle = typeof(torch.nn.Module).GetField("handle", BindingFlags.Instance | BindingFlags.NonPublic);

    private const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    private const string GetMkldnnSymbol = "_ZNK2at7Context17userEnabledMkldnnEv";
    private const string GetNnpackSymbol = "_ZNK2at7Context17userEnabledNNPACKEv";
    private const string SetMkldnnSymbol = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string SetNnpackSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb";

    private static readonly Lazy<IntPtr> Library = new(LoadLibtorch, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// What this TorchSharp or libtorch lacks of what CamSdk reaches inside them, in words; empty when all is there. Without
    /// them CamSdk still explains correctly for the calling thread, but other threads could see its hooks, a disposed
    /// submodule would be found later, and oneDNN could not be switched off where its gradients are wrong.
    /// </summary>
    internal static IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        var version = typeof(torch).Assembly.GetName().Version;
        if (PostHooks?.FieldType is not { IsGenericType: true } hooks || hooks.GetGenericTypeDefinition() != typeof(Dictionary<,>))
        {
            problems.Add("Module<Tensor, Tensor> has no field post_hooks of type Dictionary<string, Func<…>>");
        }

        if (ModuleHandle is null || !typeof(SafeHandle).IsAssignableFrom(ModuleHandle.FieldType))
        {
            problems.Add("Module has no SafeHandle field handle");
        }

        if (Library.Value == IntPtr.Zero)
        {
            problems.Add("libtorch_cpu could not be found beside TorchSharp");
        }
        else
        {
            foreach (var symbol in new[] { GlobalContextSymbol, GetMkldnnSymbol, GetNnpackSymbol, SetMkldnnSymbol, SetNnpackSymbol })
            {
                if (!NativeLibrary.TryGetExport(Library.Value, symbol, out _))
                {
                    problems.Add($"libtorch_cpu does not export {symbol}");
                }
            }
        }

        return [.. problems.ConvertAll(p => $"{p}: CamSdk was written for {WrittenFor}, this is TorchSharp {version}.")];
    }

    /// <summary>libtorch's oneDNN and NNPACK switches; (true, true) where they cannot be read.</summary>
    internal static (bool Mkldnn, bool Nnpack) BackendFlags()
    {
        var context = Context();
        if (context == IntPtr.Zero || !TryExport(GetMkldnnSymbol, out var getMkldnn) || !TryExport(GetNnpackSymbol, out var getNnpack))
        {
            return (true, true);
        }

        return (Marshal.GetDelegateForFunctionPointer<GetUserEnabled>(getMkldnn)(context), Marshal.GetDelegateForFunctionPointer<GetUserEnabled>(getNnpack)(context));
    }

    /// <summary>Sets libtorch's oneDNN and NNPACK switches for the process; false where they cannot be set.</summary>
    internal static bool SetBackendFlags(bool mkldnn, bool nnpack)
    {
        var context = Context();
        if (context == IntPtr.Zero || !TryExport(SetMkldnnSymbol, out var setMkldnn))
        {
            return false;
        }

        Marshal.GetDelegateForFunctionPointer<SetUserEnabled>(setMkldnn)(context, mkldnn);
        if (TryExport(SetNnpackSymbol, out var setNnpack))
        {
            Marshal.GetDelegateForFunctionPointer<SetUserEnabled>(setNnpack)(context, nnpack);
        }

        return true;
    }

    private static IntPtr Context() =>
        TryExport(GlobalContextSymbol, out var globalContext) ? Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)() : IntPtr.Zero;

    private static bool TryExport(string name, out IntPtr address)
    {
        address = IntPtr.Zero;
        return Library.Value != IntPtr.Zero && NativeLibrary.TryGetExport(Library.Value, name, out address);
    }

    /// <summary>libtorch_cpu, already loaded by TorchSharp; found once.</summary>
    private static IntPtr LoadLibtorch() =>
        NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var library) ||
        NativeLibrary.TryLoad("libtorch_cpu", typeof(torch).Assembly, null, out library)
            ? library
            : IntPtr.Zero;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetUserEnabled(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetUserEnabled(IntPtr context);
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// The providers of guidable twins that <see cref="GuidedBackpropagation"/> asks: those registered here, and those that
/// loaded assemblies declare with <see cref="GuidableTwinProviderAttribute"/> (CamSdk.Models is loaded for it when the
/// application references it). The core knows no model zoo: this is the seam through which one plugs in.
/// </summary>
public static class GuidableTwins
{
    /// <summary>CamSdk's own package of twins, loaded (when the application has it) before the providers are first asked.</summary>
    private const string ModelsAssembly = "CamSdk.Models";

    private static readonly Lock Gate = new();
    private static readonly List<IGuidableTwinProvider> Registered = [];
    private static readonly HashSet<Assembly> Scanned = [];
    private static int _triedModels;

    /// <summary>Adds a provider, asked before those that assemblies declare.</summary>
    /// <param name="provider">The provider.</param>
    public static void Register(IGuidableTwinProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate)
        {
            Registered.Add(provider);
        }
    }

    /// <summary>The first twin a provider offers for <paramref name="model"/>, or null when none knows it.</summary>
    internal static torch.nn.Module<torch.Tensor, torch.Tensor>? For(torch.nn.Module<torch.Tensor, torch.Tensor> model)
    {
        if (Interlocked.Exchange(ref _triedModels, 1) == 0)
        {
            try
            {
                Assembly.Load(new AssemblyName(ModelsAssembly));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Not part of this application: only registered providers and other assemblies' are asked.
            }
        }

        IGuidableTwinProvider[] providers;
        lock (Gate)
        {
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Where(Scanned.Add))
            {
                foreach (var declared in assembly.GetCustomAttributes<GuidableTwinProviderAttribute>())
                {
                    if (Activator.CreateInstance(declared.ProviderType) is IGuidableTwinProvider provider)
                    {
                        Registered.Add(provider);
                    }
                }
            }

            providers = [.. Registered];
        }

        foreach (var provider in providers)
        {
            if (provider.TwinOf(model) is { } twin)
            {
                return twin;
            }
        }

        return null;
    }
}

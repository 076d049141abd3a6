using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;

namespace CamSdk.Guided;

/// <summary>
/// For one forward pass, replaces the output of every ReLU module of a model with a guided ReLU,
/// through forward hooks (the model's modules are never replaced), and counts how many ran.
/// </summary>
internal sealed class ReluGuide : IDisposable
{
    private readonly List<torch.nn.Module<torch.Tensor, torch.Tensor>.HookRemover> _hooks = [];

    private ReluGuide(IEnumerable<ReLU> relus)
    {
        foreach (var relu in relus)
        {
            _hooks.Add(relu.register_forward_hook(OnForward));
        }
    }

    internal int Applications { get; private set; }

    /// <summary>Hooks every ReLU module of <paramref name="model"/>.</summary>
    internal static ReluGuide Attach(torch.nn.Module model)
    {
        var modules = model.named_modules().Select(m => m.module).Prepend(model).ToList();
        return new ReluGuide(modules.OfType<ReLU>().Distinct());
    }

    /// <summary>Throws unless at least one ReLU module ran: otherwise the gradient would be plain, not guided.</summary>
    internal void RequireApplied()
    {
        if (Applications == 0)
        {
            throw new CamModelException(
                _hooks.Count == 0
                    ? "The model has no ReLU module (TorchSharp.Modules.ReLU), so Guided Backpropagation cannot guide it: a ReLU applied " +
                      "functionally (functional.relu, x.relu(), relu_()) is invisible to hooks. Register ReLUs as modules and apply them with .call(x), " +
                      "or use Grad-CAM (CamExplainer.Explain), which needs no ReLU."
                    : $"None of the model's {_hooks.Count} ReLU module(s) ran during the forward pass, so nothing would be guided. " +
                      "TorchSharp runs hooks only through Module.call: apply each ReLU with relu.call(x), not relu.forward(x) or a functional relu.");
        }
    }

    public void Dispose()
    {
        foreach (var hook in _hooks)
        {
            hook.remove();
        }

        _hooks.Clear();
    }

    private torch.Tensor OnForward(torch.nn.Module<torch.Tensor, torch.Tensor> module, torch.Tensor input, torch.Tensor output)
    {
        Applications++;
        return GuidedRelu.apply(output);
    }
}

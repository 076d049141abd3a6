using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;

namespace CamSdk.Guided;

/// <summary>
/// Guided Backpropagation's pass: the input becomes a leaf to differentiate, and every ReLU module of the model
/// (hooked for the calling thread only; the model's modules are never replaced) cuts the graph at its output, so that
/// the backward pass can let only positive gradients through each ReLU.
/// </summary>
/// <remarks>
/// Each ReLU application's output o_j goes on as a fresh leaf. The backward pass then visits the applications in
/// reverse order: the gradient g_j arriving at leaf j (from the score and from the later ReLUs, already guided) is
/// clamped at 0 and sent through o_j's own ReLU backward, which keeps it only where the ReLU's input was positive:
/// exactly Springenberg et al.'s guided ReLU, ∂/∂x = [x &gt; 0]·[g &gt; 0]·g, as pytorch-grad-cam computes it, with
/// libtorch's own operations only (no custom autograd function).
/// </remarks>
internal sealed class ReluGuide : ICaptureHooks, IDisposable
{
    private readonly List<ScopedHook> _hooks = [];
    private readonly List<(torch.Tensor Output, torch.Tensor Leaf)> _applications = [];
    private readonly int _reluModules;
    private readonly HashSet<IntPtr> _accountedHandles = [];
    private readonly List<torch.Tensor> _accounted = [];
    private readonly List<string> _functionalReluSuspects = [];
    private readonly bool _allowPartialGuidance;
    private IDisposable? _gradientMode;
    private torch.Tensor? _input;

    private ReluGuide(IReadOnlyList<torch.nn.Module<torch.Tensor, torch.Tensor>> relus, IReadOnlyList<(string Name, torch.nn.Module<torch.Tensor, torch.Tensor> Module)> leaves, bool allowPartialGuidance)
    {
        _reluModules = relus.Count;
        _allowPartialGuidance = allowPartialGuidance;
        foreach (var relu in relus)
        {
            _hooks.Add(ScopedHook.Install(relu, (_, _, output) => OnForward(output)));
        }

        foreach (var (name, leaf) in leaves)
        {
            _hooks.Add(ScopedHook.Install(leaf, (_, input, output) =>
            {
                Inspect(name, input);
                Account(output);
                return null;
            }));
        }
    }

    public bool NeedsGradients => true;

    public IReadOnlyList<string> GradientInputNames { get; } = ["the input"];

    /// <summary>How many ReLU applications the forward pass guided.</summary>
    internal int Applications => _applications.Count;

    /// <summary>
    /// Hooks every ReLU module of <paramref name="model"/>, and every other leaf module to notice inputs that look like a
    /// functional ReLU's output (unless <paramref name="allowPartialGuidance"/>).
    /// </summary>
    /// <param name="model">The model (or its twin).</param>
    /// <param name="allowPartialGuidance">Accept functional ReLUs and activations the rule does not define, unguided.</param>
    /// <param name="guideRelu6">Guide ReLU6 modules as ReLUs.</param>
    internal static ReluGuide Attach(torch.nn.Module model, bool allowPartialGuidance = false, bool guideRelu6 = false)
    {
        var modules = model.named_modules().Prepend((name: "(model)", module: model)).ToList();
        if (!allowPartialGuidance)
        {
            RefuseUndefinedActivations(modules, guideRelu6);
        }

        List<(string, torch.nn.Module<torch.Tensor, torch.Tensor>)> leaves = allowPartialGuidance
            ? []
            : [.. modules.Where(m => m.module is torch.nn.Module<torch.Tensor, torch.Tensor> and not ReLU && !(guideRelu6 && m.module is ReLU6) && !m.module.children().Any() && !ReferenceEquals(m.module, model))
                .DistinctBy(m => m.module)
                .Select(m => (m.name, (torch.nn.Module<torch.Tensor, torch.Tensor>)m.module))];
        return new ReluGuide([.. modules.Select(m => m.module).Where(m => m is ReLU || (guideRelu6 && m is ReLU6)).Cast<torch.nn.Module<torch.Tensor, torch.Tensor>>().Distinct()], leaves, allowPartialGuidance);
    }

    /// <summary>
    /// Refuses a model with activation modules the guided rule is not defined for: rectifier-like units other than the
    /// ReLU (ReLU6 unless asked to guide it, Hardswish, SiLU, GELU, leaky and exponential units, Mish, Softplus,
    /// Hardtanh). Gates (Sigmoid, Hardsigmoid, Tanh in squeeze-excitation blocks) are not activations of the main path
    /// and pass gradients as they are, as in pytorch-grad-cam.
    /// </summary>
    private static void RefuseUndefinedActivations(IEnumerable<(string name, torch.nn.Module module)> modules, bool guideRelu6)
    {
        var undefined = modules
            .Where(m => m.module is Hardswish or SiLU or GELU or LeakyReLU or HeldScalarLeakyReLU or PReLU or RReLU or ELU or SELU or CELU or Mish or Softplus or Hardtanh
                || (!guideRelu6 && m.module is ReLU6))
            .GroupBy(m => m.module.GetName())
            .Select(g => $"{g.Key} ({g.Count()}, e.g. '{g.First().name}')")
            .ToList();
        if (undefined.Count > 0)
        {
            throw new CamModelException(
                $"Guided Backpropagation is defined for ReLUs (Springenberg et al.), and this model also has {string.Join(", ", undefined)}. " +
                "pytorch-grad-cam replaces only ReLU modules, so it would pass plain gradients through these, silently; CamSdk refuses. " +
                "Every CAM method applies to this model (CamExplainer.Explain: Grad-CAM, Grad-CAM++, XGrad-CAM, HiResCAM, LayerCAM, " +
                "Eigen-CAM, Score-CAM, Ablation-CAM…). For ReLU6, ExplainerOptions.GuideRelu6 applies the ReLU's rule where it passes " +
                "gradients (0 < x < 6); ExplainerOptions.AllowPartialGuidance accepts a result guided at the ReLUs only.");
        }
    }

    /// <summary>The gradient goes to the input, so the whole forward pass records the graph.</summary>
    public torch.Tensor PrepareInput(torch.Tensor input)
    {
        _gradientMode ??= torch.enable_grad();
        _input = input.detach().requires_grad_(true);
        Account(_input);
        return _input;
    }

    /// <summary>Throws unless at least one ReLU module ran: otherwise the gradient would be plain, not guided.</summary>
    public void RequireRan()
    {
        if (_functionalReluSuspects.Count > 0 && !_allowPartialGuidance)
        {
            throw new CamModelException(
                $"The model seems to apply ReLUs functionally (x.relu(), functional.relu, a clamp at 0) beside its {_reluModules} ReLU module(s): " +
                $"the input of {string.Join(", ", _functionalReluSuspects.Take(5).Select(n => $"'{n}'"))}{(_functionalReluSuspects.Count > 5 ? ", …" : string.Empty)} " +
                "is non-negative, is the output of no module, and has zeros that pass no gradient back, as a ReLU's zeros do. No hook reaches a functional ReLU, so Guided Backpropagation " +
                "would guide only the modules and return partly guided gradients (pytorch-grad-cam would, silently). Register each ReLU as a " +
                "module and apply it with relu.call(x); or, if a partly guided result is what you want (or the flagged input is not a ReLU's " +
                "output), set ExplainerOptions.AllowPartialGuidance = true.");
        }

        if (_applications.Count == 0)
        {
            throw new CamModelException(
                _reluModules == 0
                    ? "The model has no ReLU module (TorchSharp.Modules.ReLU), so Guided Backpropagation cannot guide it: a ReLU applied " +
                      "functionally (functional.relu, x.relu(), relu_()) is invisible to hooks. Register ReLUs as modules and apply them with .call(x), " +
                      "or use Grad-CAM or another CAM method (CamExplainer.Explain), which need no ReLU."
                    : $"None of the model's {_reluModules} ReLU module(s) ran during the forward pass, so nothing would be guided. " +
                      "TorchSharp runs hooks only through Module.call: apply each ReLU with relu.call(x), not relu.forward(x) or a functional relu.");
        }
    }

    public IReadOnlyList<torch.Tensor> Differentiate(torch.Tensor scores)
    {
        Explanation.RequireGradientPath(scores, "the input");
        using var total = scores.sum();
        var outputs = new List<torch.Tensor> { total };
        var gradients = new List<torch.Tensor> { torch.ones_like(total) };
        for (var j = _applications.Count - 1; j >= 0; j--)
        {
            var (output, leaf) = _applications[j];
            var arriving = torch.autograd.grad(outputs, [leaf], gradients, retain_graph: true, allow_unused: true);
            if (arriving.Count == 1 && arriving[0] is { IsInvalid: false } g && output.requires_grad)
            {
                outputs.Add(output);
                gradients.Add(g.clamp_min(Scalars.Of(0)));
            }
        }

        var result = torch.autograd.grad(outputs, [_input!], gradients, retain_graph: false, allow_unused: true);
        return result.Count == 1 && result[0] is { IsInvalid: false } input
            ? [input]
            : throw new CamTargetException("The target scores do not depend on the input. Explain a score that the model computes from its input.");
    }

    public void EndGradients()
    {
        _gradientMode?.Dispose();
        _gradientMode = null;
    }

    public void Dispose()
    {
        EndGradients();
        foreach (var hook in _hooks)
        {
            hook.Dispose();
        }

        _hooks.Clear();
        foreach (var (output, leaf) in _applications)
        {
            output.Dispose();
            leaf.Dispose();
        }

        _applications.Clear();
    }

    private torch.Tensor OnForward(torch.Tensor output)
    {
        // The model's forward may run in a dispose scope: keep what the backward pass needs out of it.
        var leaf = output.detach().requires_grad_(true).DetachFromDisposeScope();
        _applications.Add((output.DetachFromDisposeScope(), leaf));
        // A copy goes on, so that an in-place operation after the ReLU neither fails on a leaf nor changes the capture.
        var next = leaf.clone();
        Account(next);
        return next;
    }

    /// <summary>Remembers a module's output (or the input): whatever it holds is a module's doing, not a functional ReLU's.</summary>
    private void Account(torch.Tensor? tensor)
    {
        if (tensor is not null && !tensor.IsInvalid && _accountedHandles.Add(tensor.Handle))
        {
            _accounted.Add(tensor);
        }
    }

    /// <summary>
    /// Flags a module whose input looks like the output of a ReLU that no hook reaches: non-negative, with exact zeros, the
    /// output of no module, and with zeros that pass no gradient back.
    /// </summary>
    /// <remarks>
    /// The last test is what makes a ReLU a ReLU: where relu(y) is 0, its derivative is 0, so no gradient reaches the graph
    /// from any of its zeros. Other ways to non-negative values with zeros pass gradient through their zeros: pooling or
    /// averaging guided ReLU outputs (a dead channel pools to 0, and the mean's derivative is 1/n everywhere), shape
    /// operations on them (flatten, view, reshape, squeeze, permute, a copy), padding a ReLU module's output. Most inputs are a
    /// module's output object itself (no cost); the rest cost a few reductions; a view of a module's output is recognised by
    /// its storage; only what remains costs one vector-Jacobian product, with weights in [1, 2) on the zeros so that no two
    /// zeros' gradients cancel.
    /// </remarks>
    private void Inspect(string name, torch.Tensor? input)
    {
        if (input is null || input.IsInvalid || _accountedHandles.Contains(input.Handle) || !input.is_floating_point()
            || _functionalReluSuspects.Contains(name))
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        torch.Tensor zeros;
        using (torch.no_grad())
        {
            var values = input.detach();
            zeros = values.eq(Scalars.Of(0));
            // Non-negative with exact zeros, as a ReLU's output is: one read from the device for both.
            if (values.numel() == 0 || !values.min().ge(Scalars.Of(0)).logical_and(zeros.any()).item<bool>())
            {
                return;
            }
        }

        var storage = StorageOf(input);
        if ((storage is not null && _accounted.Any(t => !t.IsInvalid && StorageOf(t) == storage)) || ZerosPassGradient(input, zeros))
        {
            Account(input);
            return;
        }

        _functionalReluSuspects.Add(name);
    }

    /// <summary>
    /// Whether any gradient reaches the graph's leaves (the input, the guided ReLU outputs so far) from the zeros of
    /// <paramref name="input"/>. An input outside the graph passes none to anything, so nothing there needs guiding.
    /// </summary>
    private bool ZerosPassGradient(torch.Tensor input, torch.Tensor zeros)
    {
        if (!torch.is_grad_enabled() || !input.requires_grad || _input is null)
        {
            return true;
        }

        // autograd.grad aborts the process on a tensor without a graph: every source is a leaf that requires grad.
        var sources = new List<torch.Tensor> { _input };
        sources.AddRange(_applications.Select(a => a.Leaf));
        using var count = input.numel().ToScalar();
        var weights = torch.arange(Scalars.Of(0), count, Scalars.Of(1), dtype: input.dtype, device: input.device)
            .mul(Scalars.Of(0.6180339887498949)).frac().Plus(Scalars.Of(1.0)).reshape(input.shape);
        using var probe = input.mul(zeros.to(input.dtype)).mul(weights).sum();
        var gradients = torch.autograd.grad([probe], sources, retain_graph: true, allow_unused: true);
        using (torch.no_grad())
        {
            // The largest gradient magnitude over every source, read from the device once.
            var maxima = gradients.Where(g => g is { IsInvalid: false }).Select(g => g.abs().max().to(torch.float64)).ToArray();
            return maxima.Length > 0 && torch.stack(maxima).max().item<double>() > 0;
        }
    }

    /// <summary>The address of a floating-point tensor's storage (shared by its views); null for others.</summary>
    private static IntPtr? StorageOf(torch.Tensor? tensor) =>
        tensor is null || tensor.IsInvalid ? null
        : tensor.dtype == torch.float32 ? tensor.storage<float>().data_ptr()
        : tensor.dtype == torch.float64 ? tensor.storage<double>().data_ptr()
        : null;
}

using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace CamSdk.Internal;

/// <summary>
/// The training flag of every module and the requires_grad flag of every parameter, captured before an
/// explanation puts the model in evaluation mode, and put back afterwards, whatever happened in between.
/// </summary>
internal sealed class ModelState
{
    private readonly torch.nn.Module _model;
    private readonly (torch.nn.Module Module, bool Training)[] _training;
    private readonly (Parameter Parameter, bool RequiresGrad)[] _requiresGrad;

    private ModelState(torch.nn.Module model)
    {
        _model = model;
        // named_modules lists every parent before its descendants, so restoring in this order is exact
        // although train(bool) recurses into children.
        _training = [(model, model.training), .. model.named_modules().Select(m => (m.module, m.module.training))];
        _requiresGrad = [.. model.parameters().Select(p => (p, p.requires_grad))];
    }

    internal static ModelState Capture(torch.nn.Module model) => new(model);

    /// <summary>
    /// Runs <paramref name="body"/> with the model in evaluation mode, under the model's lock (so that no other explanation
    /// or measurement switches modes meanwhile), and restores every module's mode and requires_grad flag afterwards, also
    /// when something throws.
    /// </summary>
    internal static T InEvaluationMode<T>(torch.nn.Module model, Func<T> body)
    {
        lock (ModelLocks.For(model))
        {
            var state = Capture(model);
            try
            {
                state.EnterEvaluationMode();
                return body();
            }
            finally
            {
                state.Restore();
            }
        }
    }

    /// <summary>Evaluation mode, as pytorch-grad-cam uses: batch norm uses running statistics, dropout is off.</summary>
    internal void EnterEvaluationMode()
    {
        if (_training.Any(m => m.Training))
        {
            _model.eval();
        }
    }

    internal void Restore()
    {
        foreach (var (module, training) in _training)
        {
            if (module.training != training)
            {
                module.train(training);
            }
        }

        foreach (var (parameter, requiresGrad) in _requiresGrad)
        {
            if (parameter.requires_grad != requiresGrad)
            {
                parameter.requires_grad = requiresGrad;
            }
        }
    }
}

namespace CamSdk.Evaluation;

/// <summary>
/// Something an evaluation could not compute, and why: one method at one step (its figures are then missing, the rest
/// stand), or a whole check that could not run.
/// </summary>
/// <param name="Section">The part of the evaluation: <c>localization</c>, <c>discrimination</c>, <c>sanity</c>, <c>data-randomization</c>, <c>faithfulness</c> or <c>shortcut</c>.</param>
/// <param name="MethodKey">The method's key, or null when the whole section could not run.</param>
/// <param name="Step">Where in the section (e.g. <c>cascading, depth 3 (layer4.0.conv1)</c>), or null.</param>
/// <param name="Reason">What went wrong, as the exception said it.</param>
public sealed record EvaluationProblem(string Section, string? MethodKey, string? Step, string Reason);

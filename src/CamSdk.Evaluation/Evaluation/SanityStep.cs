using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>One step of a sanity check: what was randomised, and how alike each method's maps stayed.</summary>
/// <param name="Randomization">The test.</param>
/// <param name="Depth">For cascading randomisation, how many layers are random (1 = the top layer); for independent randomisation, the layer's position from the top (1 = the top layer); 0 for data randomisation.</param>
/// <param name="Layer">The layer randomised at this step (its name in the model), or a description for data randomisation.</param>
/// <param name="Similarity">Per method key, the similarity of this step's maps to the original's.</param>
/// <param name="Maps">For the first images (<see cref="SanityCheckOptions.GalleryImages"/>), each method's absolute-value map at this step, in the order of <see cref="SanityCheckResult.Methods"/>.</param>
public sealed record SanityStep(SanityRandomization Randomization, int Depth, string Layer, IReadOnlyDictionary<string, MapSimilarity> Similarity, IReadOnlyList<IReadOnlyList<float[,]>> Maps);

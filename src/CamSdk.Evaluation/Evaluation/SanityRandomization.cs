namespace CamSdk.Evaluation;

/// <summary>The randomisation tests of Adebayo et al. ("Sanity Checks for Saliency Maps", NeurIPS 2018).</summary>
public enum SanityRandomization
{
    /// <summary>Cascading model randomisation: the parameterised layers are re-initialised one after another from the output down, each step keeping the earlier ones random.</summary>
    Cascading,

    /// <summary>Independent model randomisation: one layer at a time is re-initialised, the others keeping their learned weights.</summary>
    Independent,

    /// <summary>Data randomisation: the same architecture trained on the same images with randomly permuted labels.</summary>
    Labels,
}

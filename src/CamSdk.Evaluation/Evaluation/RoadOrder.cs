namespace CamSdk.Evaluation;

/// <summary>Which pixels ROAD removes first.</summary>
public enum RoadOrder
{
    /// <summary>The most relevant (MoRF): a faithful map makes the score drop fast.</summary>
    MostRelevantFirst,

    /// <summary>The least relevant (LeRF): a faithful map keeps the score.</summary>
    LeastRelevantFirst,
}

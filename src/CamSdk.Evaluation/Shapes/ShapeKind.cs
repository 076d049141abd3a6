namespace CamSdk.Shapes;

/// <summary>The classes of <see cref="SyntheticShapes"/>, in class-index order.</summary>
public enum ShapeKind
{
    /// <summary>A filled disc.</summary>
    Circle,

    /// <summary>A filled square, rotated.</summary>
    Square,

    /// <summary>A filled equilateral triangle, rotated.</summary>
    Triangle,

    /// <summary>A filled five-pointed star, rotated.</summary>
    Star,

    /// <summary>A plus-shaped cross of two bars, rotated.</summary>
    Cross,

    /// <summary>An annulus: a disc with a hole.</summary>
    Ring,
}

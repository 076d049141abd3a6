using System.Collections.Immutable;
using CamSdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
using Mono.Cecil;

namespace CamSdk.Tests.Support;

/// <summary>
/// Finds, in C# code, every place that hands libtorch a TorchSharp <see cref="TorchSharp.Scalar"/> that nothing holds
/// (see <c>CamSdk.Internal.Scalars</c> for why that can fail): an implicit conversion to Scalar, an explicit
/// <c>ToScalar()</c> whose result is not a <c>using</c> local, or a call of a TorchSharp member that makes such a Scalar
/// itself. Those members are read from TorchSharp's IL, so the list follows the TorchSharp version in use. A line that
/// must do it anyway says why in a comment that starts with <see cref="Allowed"/>.
/// </summary>
internal static class ScalarLifetimeScan
{
    /// <summary>The start of a comment that lets a line pass an unheld Scalar, followed by the reason.</summary>
    internal const string Allowed = "// Unheld Scalars allowed: ";

    private const string ScalarType = "TorchSharp.Scalar";

    /// <summary>
    /// TorchSharp's members that make a Scalar and pass it on without holding it: those whose IL converts a value to a
    /// Scalar (<c>op_Implicit</c>, <c>ToScalar</c>) and never disposes one, and, transitively, those that call them.
    /// Keys are <see cref="Key(MethodDefinition)"/>'s.
    /// </summary>
    internal static readonly Lazy<ImmutableHashSet<string>> TorchSharpHazards = new(ReadHazards);

    /// <summary>One finding: where, and what.</summary>
    internal sealed record Finding(string Path, int Line, string What, string Code)
    {
        public override string ToString() => $"{Path}:{Line}: {What}: `{Code}`";
    }

    /// <summary>
    /// Compiles the C# files of <paramref name="folder"/> (with CamSdk's generator) as its project does, and scans them:
    /// its own files, the shared test helpers its project links (tests/Tests.props), and the references its last restore
    /// and build resolved (obj/project.assets.json, the referenced projects' outputs).
    /// </summary>
    /// <param name="folder">A project folder; bin and obj are skipped but for the SDK's global usings.</param>
    /// <param name="repositoryRoot">Paths in findings are relative to it.</param>
    internal static (IReadOnlyList<Finding> Findings, IReadOnlyList<Diagnostic> Errors) ScanProject(string folder, string repositoryRoot)
    {
        var name = Path.GetFileName(folder);
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsUnder(f, folder, "bin") && !IsUnder(f, folder, "obj"))
            .ToList();
        var project = File.ReadAllText(Path.Combine(folder, name + ".csproj"));
        if (project.Contains("Tests.props", StringComparison.Ordinal))
        {
            var shared = Path.Combine(repositoryRoot, "tests", "Shared");
            files.AddRange(Directory.EnumerateFiles(shared, "*.cs"));
            if (project.Contains("<CamSdkTestsUseImages>true</CamSdkTestsUseImages>", StringComparison.Ordinal))
            {
                files.AddRange(Directory.EnumerateFiles(Path.Combine(shared, "Imaging"), "*.cs"));
            }
        }

        var sources = files.Select(f => (Path: f, Text: File.ReadAllText(f))).ToList();
        // The SDK writes a project's implicit global usings into obj; every configuration's copy is the same.
        var globalUsings = Directory.Exists(Path.Combine(folder, "obj"))
            ? Directory.EnumerateFiles(Path.Combine(folder, "obj"), $"{name}.GlobalUsings.g.cs", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        if (globalUsings is not null)
        {
            sources.Add((globalUsings, File.ReadAllText(globalUsings)));
        }

        return Scan(name, sources, repositoryRoot, ProjectReferences(folder, name));
    }

    /// <summary>
    /// What the project compiles against: the running .NET's framework assemblies, its NuGet packages' compile assets (as its
    /// restore resolved them) and the outputs of the projects it references.
    /// </summary>
    private static IEnumerable<MetadataReference> ProjectReferences(string folder, string name)
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = Directory.EnumerateFiles(framework, "*.dll").ToList();
        using var assets = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "obj", "project.assets.json")));
        var root = assets.RootElement;
        var packages = root.GetProperty("packageFolders").EnumerateObject().Select(p => p.Name).ToList();
        var libraries = root.GetProperty("libraries");
        foreach (var (key, library) in root.GetProperty("targets").EnumerateObject().First().Value.EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            var info = libraries.GetProperty(key);
            if (library.GetProperty("type").GetString() == "project")
            {
                var projectFile = Path.GetFullPath(Path.Combine(folder, info.GetProperty("path").GetString()!));
                var assembly = Path.GetFileNameWithoutExtension(projectFile) + ".dll";
                var built = Directory.Exists(Path.Combine(Path.GetDirectoryName(projectFile)!, "bin"))
                    ? Directory.EnumerateFiles(Path.Combine(Path.GetDirectoryName(projectFile)!, "bin"), assembly, SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                    : null;
                references.AddRange(built is null ? [] : [built]);
                continue;
            }

            if (!library.TryGetProperty("compile", out var compile))
            {
                continue;
            }

            var path = info.GetProperty("path").GetString()!;
            foreach (var asset in compile.EnumerateObject().Select(a => a.Name).Where(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
            {
                references.AddRange(packages.Select(p => Path.Combine(p, path, asset)).Where(File.Exists).Take(1));
            }
        }

        return references.Where(r => Path.GetFileNameWithoutExtension(r) != name).DistinctBy(Path.GetFileName).Select(r => MetadataReference.CreateFromFile(r));
    }

    /// <summary>Compiles <paramref name="sources"/> as the assembly <paramref name="assemblyName"/> and scans them.</summary>
    internal static (IReadOnlyList<Finding> Findings, IReadOnlyList<Diagnostic> Errors) Scan(
        string assemblyName, IReadOnlyList<(string Path, string Text)> sources, string repositoryRoot, IEnumerable<MetadataReference>? references = null)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToList();
        var compilation = CSharpCompilation.Create(
            assemblyName,
            trees,
            references ?? References(assemblyName),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        CSharpGeneratorDriver.Create([new ExplainGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        // A top-level program in a library compilation is the only error expected; anything else would leave code unbound.
        var errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8805")
            .ToList();
        var findings = new List<Finding>();
        foreach (var tree in output.SyntaxTrees)
        {
            var model = output.GetSemanticModel(tree);
            var seen = new HashSet<IOperation>();
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (model.GetOperation(node) is not { Parent: null } root)
                {
                    continue;
                }

                foreach (var operation in root.DescendantsAndSelf().Where(seen.Add))
                {
                    if (Problem(operation) is { } what && !IsAllowed(operation.Syntax))
                    {
                        var line = operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                        var path = Path.IsPathRooted(tree.FilePath) ? Path.GetRelativePath(repositoryRoot, tree.FilePath) : $"(generated) {tree.FilePath}";
                        findings.Add(new Finding(path.Replace('\\', '/'), line, what, operation.Syntax.ToString().Split('\n')[0].Trim()));
                    }
                }
            }
        }

        return (findings, errors);
    }

    /// <summary>What is wrong with <paramref name="operation"/>, or null.</summary>
    private static string? Problem(IOperation operation)
    {
        if (operation is IConversionOperation { OperatorMethod: not null } converted
            && IsScalar(converted.Type) && !IsScalar(converted.Operand.Type))
        {
            return $"implicit conversion of {converted.Operand.Type?.ToDisplayString() ?? "a value"} to a Scalar nothing holds (use Scalars.Of for a constant, a using local for a value)";
        }

        var method = operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IBinaryOperation binary => binary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            IUnaryOperation unary => unary.OperatorMethod,
            IConversionOperation conversion => conversion.OperatorMethod,
            IObjectCreationOperation creation => creation.Constructor,
            IPropertyReferenceOperation property => IsAssigned(property) ? property.Property.SetMethod : property.Property.GetMethod,
            _ => null,
        };
        if (method is null || method.ContainingAssembly?.Name != "TorchSharp")
        {
            return null;
        }

        if (method.Name == "ToScalar" && IsScalar(method.ReturnType) && !IsHeld(operation))
        {
            return "a Scalar made by ToScalar() that is not a using local";
        }

        var key = Key(method);
        return TorchSharpHazards.Value.Contains(key) ? $"{key} passes libtorch a Scalar it does not hold" : null;
    }

    private static bool IsAllowed(SyntaxNode syntax)
    {
        var text = syntax.SyntaxTree.GetText();
        var line = text.Lines[text.Lines.GetLineFromPosition(syntax.SpanStart).LineNumber].ToString();
        var comment = line.IndexOf(Allowed, StringComparison.Ordinal);
        return comment >= 0 && line[(comment + Allowed.Length)..].Trim().Length > 0;
    }

    private static bool IsScalar(ITypeSymbol? type) => type?.ToDisplayString().TrimEnd('?') == ScalarType;

    private static bool IsAssigned(IPropertyReferenceOperation property) =>
        property.Parent is IAssignmentOperation assignment && assignment.Target == property;

    /// <summary>A Scalar made into a <c>using</c> local, a static readonly field, or by CamSdk's own cache lives long enough.</summary>
    private static bool IsHeld(IOperation made)
    {
        var parent = made.Parent;
        while (parent is IConversionOperation { IsImplicit: true })
        {
            parent = parent.Parent;
        }

        if (parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation group } } }
            && group.Parent is IUsingDeclarationOperation or IUsingOperation)
        {
            return true;
        }

        if (parent is IFieldInitializerOperation field && field.InitializedFields.All(f => f.IsStatic && f.IsReadOnly))
        {
            return true;
        }

        // CamSdk.Internal.Scalars keeps what it makes in a dictionary for the life of the process.
        for (var syntax = made.Syntax.Parent; syntax is not null; syntax = syntax.Parent)
        {
            if (syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax { Identifier.Text: "Scalars" } declaration
                && made.SemanticModel?.GetDeclaredSymbol(declaration)?.ToDisplayString() == "CamSdk.Internal.Scalars")
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<MetadataReference> References(string compiledAssembly) =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && Path.GetFileNameWithoutExtension(p) != compiledAssembly)
        .Select(p => MetadataReference.CreateFromFile(p));

    private static bool IsUnder(string file, string folder, string child) =>
        Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar)[0] == child;

    /// <summary>"Namespace.Type`N.Nested.Member(ParameterType,…)", the same for a Roslyn symbol and a Cecil definition.</summary>
    internal static string Key(IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method;
        method = method.OriginalDefinition;
        return $"{TypeKey(method.ContainingType)}.{method.MetadataName}({string.Join(",", method.Parameters.Select(p => ParameterKey(p.Type) + (p.RefKind == RefKind.None ? "" : "&")))})";

        static string TypeKey(INamedTypeSymbol type) =>
            (type.ContainingType is { } outer ? TypeKey(outer) : type.ContainingNamespace.ToDisplayString()) + "." + type.MetadataName;

        static string ParameterKey(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol array => ParameterKey(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]",
            IPointerTypeSymbol pointer => ParameterKey(pointer.PointedAtType) + "*",
            _ => type.MetadataName,
        };
    }

    /// <inheritdoc cref="Key(IMethodSymbol)"/>
    internal static string Key(MethodDefinition method) =>
        $"{method.DeclaringType.FullName.Replace('/', '.')}.{method.Name}({string.Join(",", method.Parameters.Select(p => p.ParameterType.Name))})";

    private static ImmutableHashSet<string> ReadHazards()
    {
        using var assembly = AssemblyDefinition.ReadAssembly(typeof(TorchSharp.torch).Assembly.Location);
        var methods = assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).ToList();
        var calls = methods.ToDictionary(m => m, m => m.Body.Instructions.Select(i => i.Operand).OfType<MethodReference>().ToList());
        var hazards = methods
            .Where(m => calls[m].Any(MakesScalar) && !calls[m].Any(r => r.DeclaringType.FullName == ScalarType && r.Name == "Dispose"))
            .ToHashSet();
        // Whatever calls one of them hands libtorch the same unheld Scalar.
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var method in methods.Where(m => !hazards.Contains(m)))
            {
                if (calls[method].Any(r => r.Resolve() is { } callee && hazards.Contains(callee)))
                {
                    hazards.Add(method);
                    grew = true;
                }
            }
        }

        return [.. hazards.Select(Key)];

        static bool MakesScalar(MethodReference callee) => callee.ReturnType.FullName == ScalarType
            && (callee.Name == "op_Implicit" || callee.Name.StartsWith("To", StringComparison.Ordinal))
            && callee.DeclaringType.FullName is ScalarType or "TorchSharp.ScalarExtensionMethods" or "TorchSharp.torch/Tensor";
    }
}

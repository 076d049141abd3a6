using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CamSdk.Evaluation;

/// <summary>
/// An <see cref="EvaluationPart"/> as JSON: its identity, the report's header, every image's outcome and the examples
/// (images as their RGB bytes, maps as their float32 values, both in base 64), all exact, so that a merge of read parts
/// gives what the whole run gives.
/// </summary>
internal static class EvaluationPartJson
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        // NaN shares (an all-zero map) and failed methods' figures travel as "NaN".
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new MatrixConverter() },
    };

    internal static PartFile ToFile(EvaluationPart part)
    {
        var report = part.Report;
        return new PartFile(
            EvaluationPart.FormatVersion,
            part.Shard,
            [.. part.Identity],
            new Header(report.Title, report.Model, report.Layer, report.Dataset, [.. report.ClassNames], report.Training, [.. report.Facts]),
            part.Localization,
            part.Discrimination);
    }

    internal static EvaluationPart FromFile(PartFile file, string path)
    {
        if (file.Shard is null)
        {
            throw new CamException($"'{path}' names no shard: it is damaged.");
        }

        var header = file.Header!;
        var report = new EvaluationReport
        {
            Title = header.Title,
            Model = header.Model,
            Layer = header.Layer,
            Dataset = header.Dataset,
            ClassNames = header.ClassNames,
            Training = header.Training,
            Facts = header.Facts,
            Localization = EvaluationParts.Combine([file.Localization!], whole: false),
            Discrimination = file.Discrimination is null ? null : EvaluationParts.Combine([file.Discrimination], whole: false),
        };
        return new EvaluationPart(new EvaluationShard(file.Shard.Index, file.Shard.Count), file.Identity!, report, file.Localization!, file.Discrimination);
    }

    /// <summary>The file's content.</summary>
    internal sealed record PartFile(
        int Format,
        EvaluationShard? Shard,
        List<KeyValuePair<string, string>>? Identity,
        Header? Header,
        LocalizationPart? Localization,
        DiscriminationPart? Discrimination);

    /// <summary>The report's own fields, beside the figures the parts give.</summary>
    internal sealed record Header(
        string Title,
        string Model,
        string Layer,
        string Dataset,
        List<string> ClassNames,
        TrainingRecord? Training,
        List<KeyValuePair<string, string>> Facts);

    /// <summary>A [row, column] float map as its size and its float32 values in base 64.</summary>
    private sealed class MatrixConverter : JsonConverter<float[,]>
    {
        public override float[,] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var matrix = JsonSerializer.Deserialize<Matrix>(ref reader) ?? throw new JsonException("A map is null.");
            var values = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(matrix.Values)).ToArray();
            if (matrix.Rows < 0 || matrix.Columns < 0 || values.Length != (long)matrix.Rows * matrix.Columns)
            {
                throw new JsonException($"A {matrix.Rows}×{matrix.Columns} map holds {values.Length} values.");
            }

            var map = new float[matrix.Rows, matrix.Columns];
            Buffer.BlockCopy(values, 0, map, 0, values.Length * sizeof(float));
            return map;
        }

        public override void Write(Utf8JsonWriter writer, float[,] value, JsonSerializerOptions options)
        {
            var values = new float[value.Length];
            Buffer.BlockCopy(value, 0, values, 0, values.Length * sizeof(float));
            JsonSerializer.Serialize(writer, new Matrix(value.GetLength(0), value.GetLength(1), Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()))));
        }

        private sealed record Matrix(int Rows, int Columns, string Values);
    }
}

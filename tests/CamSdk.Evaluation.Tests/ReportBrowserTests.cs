using CamSdk.Tests.Support;
using PuppeteerSharp;

namespace CamSdk.Tests;

/// <summary>The report opened in a real browser (headless Chromium): what a person would see.</summary>
[Trait("Speed", "Slow")]
[Collection(TinyMainJobCollection.Name)]
public sealed class ReportBrowserTests(TinyMainJob job)
{
    [ChromiumFact]
    public async Task TheReportLoadsEveryImageShowsItsTablesAndLogsNoError()
    {
        var options = new LaunchOptions { Headless = true, ExecutablePath = ChromiumFactAttribute.ExecutablePath, Args = ["--no-sandbox", "--disable-gpu"] };
        await using var browser = await Puppeteer.LaunchAsync(options);
        await using var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                errors.Add(e.Message.Text);
            }
        };
        page.PageError += (_, e) => errors.Add(e.Message);
        page.RequestFailed += (_, e) => errors.Add($"request failed: {e.Request.Url[..Math.Min(80, e.Request.Url.Length)]}");
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });

        await page.GoToAsync(new Uri(job.HtmlPath).AbsoluteUri, WaitUntilNavigation.Load);

        var loaded = await page.EvaluateExpressionAsync<bool[]>("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)");
        Assert.NotEmpty(loaded);
        Assert.All(loaded, Assert.True);
        var localisationRows = await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#localisation-table tbody tr').length");
        var discriminationRows = await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#discrimination-table tbody tr').length");
        Assert.Equal(job.Report.Localization.Methods.Count, localisationRows);
        Assert.Equal(job.Report.Discrimination!.Methods.Count, discriminationRows);
        foreach (var (table, rows) in new[]
        {
            ("sanity-table", job.Report.Sanity!.Methods.Count),
            ("labels-table", job.Report.DataRandomization!.Check.Methods.Count),
            ("faithfulness-table", job.Report.Faithfulness!.Methods.Count),
            ("shortcut-table", 2),
            ("shortcut-classes", job.Report.ClassNames.Count),
        })
        {
            Assert.Equal(rows, await page.EvaluateExpressionAsync<int>($"document.querySelectorAll('#{table} tbody tr').length"));
        }

        var verdicts = await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#sanity-verdicts li').length");
        Assert.Equal(job.Report.Sanity.Verdicts.Count + job.Report.DataRandomization.Check.Verdicts.Count, verdicts);

        // Localisation, discrimination, training; two sanity plots; deletion, insertion and two ROAD plots; the shortcut's bars.
        var plotWidths = await page.EvaluateExpressionAsync<int[]>("Array.from(document.querySelectorAll('.plots img')).map(i => i.naturalWidth)");
        Assert.Equal(3 + 2 + 4 + 1, plotWidths.Length);
        Assert.All(plotWidths, w => Assert.True(w >= 500, $"a plot {w} pixels wide"));
        Assert.Empty(errors);
        await page.ScreenshotAsync(Path.Combine(job.Folder, "report.png"), new ScreenshotOptions { FullPage = false });
        Assert.True(new FileInfo(Path.Combine(job.Folder, "report.png")).Length > 10_000);
    }
}

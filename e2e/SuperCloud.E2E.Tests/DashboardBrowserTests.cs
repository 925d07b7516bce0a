using Microsoft.Playwright;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>The operator's dashboard in headless Chromium (Debian's, driven by Playwright): every SuperPod, and a migration's progress moving without a reload.</summary>
[Collection(UserFacingLabs.Name)]
public sealed class DashboardBrowserTests(UserFacingLab lab, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task Dashboard_shows_every_superpod_and_a_migrations_progress_change_without_reload()
    {
        Skip.If(lab.SkipReason is not null, lab.SkipReason);
        File.Exists(Chromium).Should().BeTrue("lab/setup.sh installs Debian's chromium");
        var pods = new[] { new Roamer(lab.Fixture, "gazer-a", output), new Roamer(lab.Fixture, "gazer-b", output) };
        var capped = false;
        try
        {
            // A guest that dirties memory slowly, so pre-copy converges over the capped link below.
            var slow = LabFixture.GuestCmdline.Replace("sc.dirty_pages_per_sec=2000", "sc.dirty_pages_per_sec=100", StringComparison.Ordinal);
            await pods[0].StartAsync("    clusters: [aws-us-east-1]\n", slow);
            await pods[1].StartAsync("    clusters: [onprem]\n");
            await pods[0].UnpinAsync();

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1300 } });
            var dashboard = lab.Lab.State()["DashboardAddress"]!.GetValue<string>();
            await page.GotoAsync(dashboard + "/");
            await page.EvaluateAsync("() => { window.loadedOnce = 'yes'; }");

            // Every SuperPod of the lab is listed, with where it runs.
            var all = (await lab.Lab.GetAsync("superpods", "-A"))!["items"]!.AsArray().Select(p => $"{p!["metadata"]!["namespace"]}/{p["metadata"]!["name"]}").ToList();
            all.Should().Contain(["default/gazer-a", "default/gazer-b"]);
            foreach (var name in all)
            {
                await Assertions.Expect(page.Locator($"#superpods tr[data-superpod='{name}']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }

            await Assertions.Expect(page.Locator("#superpods tr[data-superpod='default/gazer-a'] td").Nth(1)).ToHaveTextAsync("Running");
            await Assertions.Expect(page.Locator("#clouds .host[data-host='onprem-1'] .pod[data-superpod='default/gazer-b']")).ToBeVisibleAsync();

            // A migration over a WAN capped at 20 Mbit/s, watched on the same page.
            await lab.Lab.LabAsync("link", "--cloud", "onprem", "--rate", "20mbit");
            capped = true;
            await pods[0].MigrateAsync("gazer-to-onprem", "  target:\n    cluster: onprem\n");
            var row = page.Locator("#migrations tr[data-migration='default/gazer-to-onprem'] .progress-text");
            await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var seen = new List<string>();
            var screenshot = Path.Combine(RepoPaths.Root, ".test-results", "artifacts", "dashboard-migration.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
            while (DateTime.UtcNow < deadline && await row.CountAsync() > 0)
            {
                try
                {
                    var text = await row.InnerTextAsync(new() { Timeout = 1000 });
                    if (seen.Count == 0 || seen[^1] != text)
                    {
                        seen.Add(text);
                        if (text.Contains("Transferring", StringComparison.Ordinal) && !File.Exists(screenshot))
                        {
                            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
                        }
                    }
                }
                catch (TimeoutException)
                {
                    break;
                }

                await Task.Delay(200);
            }

            output.WriteLine("progress seen on one page load:\n  " + string.Join("\n  ", seen));
            (await pods[0].UntilFinishedAsync("gazer-to-onprem", TimeSpan.FromSeconds(180)))["status"]!["phase"]!.GetValue<string>().Should().Be("Succeeded");
            seen.Distinct().Should().HaveCountGreaterThanOrEqualTo(2, "the progress moved while the page stayed open");
            await Assertions.Expect(page.Locator("#recent-migrations tr[data-migration='default/gazer-to-onprem']")).ToContainTextAsync("Succeeded", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#superpods tr[data-superpod='default/gazer-a'] td").Nth(4)).ToHaveTextAsync("onprem-1", new() { Timeout = 30_000 });
            (await page.EvaluateAsync<string>("() => window.loadedOnce")).Should().Be("yes", "the page was never reloaded");
            (await page.EvaluateAsync<int>("() => window.supercloudSnapshots")).Should().BeGreaterThan(2);
            if (!File.Exists(screenshot))
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            }

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetDirectoryName(screenshot)!, "dashboard-after.png"), FullPage = true });
            output.WriteLine($"screenshot: {screenshot}");
        }
        catch (Exception e) when (Roamer.Fails(pods, e))
        {
            throw;
        }
        finally
        {
            if (capped)
            {
                await lab.Lab.LabAsync("link", "--cloud", "onprem", "--clear");
            }

            foreach (var pod in pods)
            {
                await pod.DeleteAsync();
            }
        }
    }
}

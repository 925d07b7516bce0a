using System.Globalization;
using System.Security;
using System.Text;

namespace SuperCloud.Bench.SpotReplay;

/// <summary>A line chart as a standalone SVG file: axes with ticks, one polyline per series, a legend.</summary>
internal static class SvgChart
{
    private static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"];

    public static void Write(string path, string title, string xLabel, string yLabel, double xTickEvery, IReadOnlyList<(string Name, double[] Y)> series, double xScale = 1)
    {
        const double W = 900, H = 500, L = 80, R = 20, T = 50, B = 60;
        var c = CultureInfo.InvariantCulture;
        var n = series.Max(s => s.Y.Length);
        var yMax = series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(1).Max() * 1.05;
        double X(double i) => L + (i / Math.Max(1, n - 1) * (W - L - R));
        double Y(double v) => H - B - (v / yMax * (H - T - B));
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(c, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{W / 2}\" y=\"25\" text-anchor=\"middle\" font-size=\"16\">{SecurityElement.Escape(title)}</text>\n");
        svg.Append(c, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        for (var i = 0.0; i < n; i += xTickEvery)
        {
            svg.Append(c, $"<line x1=\"{X(i):0.#}\" y1=\"{H - B}\" x2=\"{X(i):0.#}\" y2=\"{H - B + 5}\" stroke=\"black\"/><text x=\"{X(i):0.#}\" y=\"{H - B + 20}\" text-anchor=\"middle\">{i * xScale:0.##}</text>\n");
        }

        for (var k = 0; k <= 5; k++)
        {
            var v = yMax / 5 * k;
            svg.Append(c, $"<line x1=\"{L - 5}\" y1=\"{Y(v):0.#}\" x2=\"{W - R}\" y2=\"{Y(v):0.#}\" stroke=\"#ddd\"/><text x=\"{L - 8}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\">{v:0.##}</text>\n");
        }

        svg.Append(c, $"<text x=\"{W / 2}\" y=\"{H - 15}\" text-anchor=\"middle\">{SecurityElement.Escape(xLabel)}</text>\n");
        svg.Append(c, $"<text transform=\"translate(20,{H / 2}) rotate(-90)\" text-anchor=\"middle\">{SecurityElement.Escape(yLabel)}</text>\n");
        for (var s = 0; s < series.Count; s++)
        {
            var points = string.Join(' ', series[s].Y.Select((v, i) => (v, i)).Where(p => double.IsFinite(p.v)).Select(p => string.Create(c, $"{X(p.i):0.#},{Y(p.v):0.#}")));
            var color = Colors[s % Colors.Length];
            svg.Append(c, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            svg.Append(c, $"<rect x=\"{L + 15}\" y=\"{T + 5 + (s * 18)}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{L + 32}\" y=\"{T + 15 + (s * 18)}\">{SecurityElement.Escape(series[s].Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }
}

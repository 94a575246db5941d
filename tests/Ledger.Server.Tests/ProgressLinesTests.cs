using Ledger.Server.Cli;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Server.Tests;

/// <summary>Progress of a long verb: plain lines in a log, one line updated in place on a terminal.</summary>
public sealed class ProgressLinesTests
{
    [Fact]
    public void Redirected_output_gets_one_plain_line_a_second_with_the_rate_and_the_time_left()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        using (var progress = new ProgressLines("events", 1000, time, output, inPlace: false))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            progress.Report(100);
            progress.Report(150);
            time.Advance(TimeSpan.FromSeconds(1));
            progress.Report(200);
        }

        Assert.DoesNotContain('\r', output.ToString());
        Assert.Equal(
            ["  100 of 1,000 events (10 %), 100 events/s, about 9 s left", "  200 of 1,000 events (20 %), 100 events/s, about 8 s left"],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_terminal_gets_one_line_rewritten_in_place_and_ended_when_done()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        using (var progress = new ProgressLines("events", 1000, time, output, inPlace: true))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            progress.Report(100);
            time.Advance(TimeSpan.FromSeconds(1));
            progress.Report(200);
        }

        Assert.Equal(
            "\r  100 of 1,000 events (10 %), 100 events/s, about 9 s left\r  200 of 1,000 events (20 %), 100 events/s, about 8 s left" + Environment.NewLine,
            output.ToString());
    }
}

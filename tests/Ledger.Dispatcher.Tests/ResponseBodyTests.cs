using System.Text;
using Ledger.Dispatcher.Http;

namespace Ledger.Dispatcher.Tests;

public sealed class ResponseBodyTests
{
    [Fact]
    public async Task Body_is_read_to_its_end_and_its_first_4_KiB_kept()
    {
        var stream = new CountingStream(100 * 1024);

        var kept = await WebhookSender.ReadBodyAsync(new StreamContent(stream), CancellationToken.None);

        Assert.Equal(100 * 1024, stream.BytesRead);
        Assert.Equal(new string('x', 4096), kept);
    }

    [Fact]
    public async Task Reading_stops_after_1_MiB()
    {
        var stream = new CountingStream(long.MaxValue);

        await WebhookSender.ReadBodyAsync(new StreamContent(stream), CancellationToken.None);

        Assert.Equal(WebhookSender.MaxDrainedBytes, stream.BytesRead);
    }

    [Fact]
    public async Task Empty_body_is_null()
    {
        Assert.Null(await WebhookSender.ReadBodyAsync(new ByteArrayContent([]), CancellationToken.None));
    }

    [Fact]
    public void Character_cut_by_the_limit_is_dropped_not_replaced()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('a', 4094) + "€");

        var text = WebhookSender.DecodeBody(bytes.AsSpan(0, 4096), truncated: true);

        Assert.Equal(new string('a', 4094), text);
    }

    [Fact]
    public void Invalid_UTF8_and_NUL_are_replaced()
    {
        byte[] bytes = [(byte)'o', (byte)'k', 0xFF, 0x00, 0xC3, 0xA9];

        Assert.Equal("ok\uFFFD\uFFFDé", WebhookSender.DecodeBody(bytes, truncated: false));
    }

    /// <summary>A body of <c>length</c> 'x' bytes that counts what was read of it.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - BytesRead);
            buffer[..n].Fill((byte)'x');
            BytesRead += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

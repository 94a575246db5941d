using System.Buffers;

namespace Ledger.Domain.Wire;

/// <summary>A growable UTF-8 output on <see cref="ArrayPool{T}"/>: one body is written into it and copied out once.</summary>
internal sealed class PooledByteWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public PooledByteWriter(int initialCapacity = 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Write(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }
        _buffer[_length++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _length)
        {
            Grow(bytes.Length);
        }
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>A span of at least <paramref name="size"/> bytes to fill; <see cref="Advance"/> then says how many were used.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (size > _buffer.Length - _length)
        {
            Grow(size);
        }
        return _buffer.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int needed)
    {
        var size = Math.Max(_buffer.Length * 2, _length + needed);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = bigger;
    }
}

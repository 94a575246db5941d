namespace Ledger.EventStore.Tests;

public abstract partial class EventStoreConformance
{
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("has space")]
    [InlineData("tenant/acme")]
    [InlineData("../escape")]
    [InlineData("new\nline")]
    [InlineData("caf\u00e9")]
    [InlineData("quote'd")]
    public async Task Invalid_stream_name_is_refused_and_nothing_is_written(string streamId)
    {
        var good = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(streamId, ExpectedVersion.Any, Event(0)));
        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(
            [new StreamAppend(good, ExpectedVersion.NoStream, Event(0)), new StreamAppend(streamId, ExpectedVersion.Any, Event(1))]));

        await AssertNothingWrittenSinceAsync(head, good);
    }

    [Fact]
    public async Task Stream_name_longer_than_the_limit_is_refused()
    {
        var head = await Store.ReadHeadPositionAsync();
        var id = NewStreamId();
        var longest = id + new string('a', AppendValidation.MaxStreamIdLength - id.Length);

        await Assert.ThrowsAsync<InvalidAppendException>(
            () => Store.AppendAsync(longest + "a", ExpectedVersion.Any, Event(0)));

        await AssertNothingWrittenSinceAsync(head, longest + "a");
        await Store.AppendAsync(longest, ExpectedVersion.NoStream, Event(0));
        Assert.Equal(0, await Store.ReadStreamVersionAsync(longest));
    }

    [Fact]
    public async Task Oversized_event_is_refused_and_nothing_is_written()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();
        var tooManyChars = new NewEvent(TestEventType, $"\"{new string('x', AppendValidation.MaxEventBytes)}\"", T0);
        // Fewer characters than the limit, more UTF-8 bytes.
        var tooManyBytes = new NewEvent(TestEventType, $"\"{new string('\u00e9', (AppendValidation.MaxEventBytes / 2) + 1)}\"", T0);

        await Assert.ThrowsAsync<InvalidAppendException>(
            () => Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, Event(0), tooManyChars)));
        await Assert.ThrowsAsync<InvalidAppendException>(
            () => Store.AppendAsync(stream, ExpectedVersion.NoStream, tooManyBytes));

        await AssertNothingWrittenSinceAsync(head, stream);
    }

    [Fact]
    public async Task Event_at_the_size_limit_is_accepted()
    {
        var stream = NewStreamId();
        var data = $"\"{new string('x', AppendValidation.MaxEventBytes - 2)}\"";

        await Store.AppendAsync(stream, ExpectedVersion.NoStream, new NewEvent(TestEventType, data, T0));

        Assert.Equal(data, Assert.Single(await Store.ReadStreamAsync(stream)).Data);
    }

    [Fact]
    public async Task Expected_version_below_any_is_refused()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(stream, new ExpectedVersion(-5), Event(0)));

        await AssertNothingWrittenSinceAsync(head, stream);
    }

    [Fact]
    public async Task Empty_batch_is_refused()
    {
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync([]));

        await AssertNothingWrittenSinceAsync(head);
    }

    [Fact]
    public async Task Append_without_events_is_refused_and_nothing_of_the_batch_is_written()
    {
        var (a, b) = (NewStreamId("a"), NewStreamId("b"));
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(
            [new StreamAppend(a, ExpectedVersion.NoStream, Event(0)), new StreamAppend(b, ExpectedVersion.NoStream)]));

        await AssertNothingWrittenSinceAsync(head, a, b);
    }

    [Fact]
    public async Task Same_stream_twice_in_one_batch_is_refused()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(
            [new StreamAppend(stream, ExpectedVersion.NoStream, Event(0)), new StreamAppend(stream, ExpectedVersion.At(0), Event(1))]));

        await AssertNothingWrittenSinceAsync(head, stream);
    }

    [Theory]
    [InlineData("", "{}")]
    [InlineData(TestEventType, "")]
    public async Task Event_without_a_type_or_data_is_refused(string type, string data)
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(
            () => Store.AppendAsync(stream, ExpectedVersion.NoStream, new NewEvent(type, data, T0)));

        await AssertNothingWrittenSinceAsync(head, stream);
    }
}

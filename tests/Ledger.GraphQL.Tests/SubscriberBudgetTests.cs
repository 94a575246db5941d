using Ledger.GraphQL.Subscriptions;

namespace Ledger.GraphQL.Tests;

public sealed class SubscriberBudgetTests
{
    [Fact]
    public void A_connection_budget_holds_bytes_up_to_its_capacity_and_is_exhausted_by_the_first_that_does_not_fit()
    {
        var budget = new ByteBudget(1000);

        Assert.True(budget.TryTake(600));
        Assert.True(budget.TryTake(400));
        Assert.False(budget.Exhausted.IsCompleted);
        Assert.False(budget.TryTake(1));

        Assert.True(budget.Exhausted.IsCompleted);
        Assert.Equal(1000, budget.Used);
        budget.Release(1000);
        Assert.False(budget.TryTake(1));
    }

    [Fact]
    public void An_empty_budget_takes_one_message_larger_than_itself()
    {
        var budget = new ByteBudget(1000);

        Assert.True(budget.TryTake(5000));
        Assert.False(budget.TryTake(1));
    }

    [Fact]
    public void A_subscription_holds_its_estimates_until_they_become_messages_or_it_ends()
    {
        var bytes = new ByteBudget(1_000_000);
        using var first = new SubscriberBudget(10, bytes);
        var second = new SubscriberBudget(10, bytes);

        Assert.True(first.TryTake(300_000));
        Assert.True(first.TryTake(200_000));
        Assert.True(second.TryTake(400_000));
        Assert.Equal(900_000, bytes.Used);

        first.Produced();
        Assert.Equal(600_000, bytes.Used);
        second.Dispose();
        Assert.Equal(200_000, bytes.Used);
        Assert.False(second.TryTake(1));
        Assert.Equal(2, first.Pending);
    }

    [Fact]
    public void A_subscription_over_its_update_count_is_exhausted_even_with_bytes_to_spare()
    {
        using var budget = new SubscriberBudget(2, new ByteBudget(1_000_000));

        Assert.True(budget.TryTake(10));
        Assert.True(budget.TryTake(10));
        Assert.False(budget.TryTake(10));

        Assert.True(budget.Exhausted.IsCompleted);
    }
}

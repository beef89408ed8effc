using System.Security.Claims;
using FineTune.Api.Accounts;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Notifications;

// The signed-in user's own notifications, across all their workspaces.
public static class NotificationsApi
{
    public const int DefaultLimit = 50;

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        api.MapGet("/", ListNotifications).WithName("ListNotifications")
            .WithSummary("Your notifications, newest first (unreadOnly=true for the unread ones), and how many are unread");
        api.MapPost("/{id}/read", MarkNotificationRead).WithName("MarkNotificationRead").WithSummary("Mark one notification read");
        api.MapPost("/read-all", MarkAllNotificationsRead).WithName("MarkAllNotificationsRead").WithSummary("Mark all your notifications read");
        return app;
    }

    public static async Task<Ok<NotificationList>> ListNotifications(
        ClaimsPrincipal user, NotificationStore notifications, [FromQuery] bool? unreadOnly, [FromQuery] int? limit) =>
        TypedResults.Ok(await notifications.ListAsync(user.UserId(), unreadOnly ?? false, Math.Clamp(limit ?? DefaultLimit, 1, NotificationStore.Capacity)));

    public static async Task<Results<NoContent, NotFound>> MarkNotificationRead(string id, ClaimsPrincipal user, NotificationStore notifications) =>
        await notifications.MarkReadAsync(user.UserId(), id) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<NoContent> MarkAllNotificationsRead(ClaimsPrincipal user, NotificationStore notifications)
    {
        await notifications.MarkAllReadAsync(user.UserId());
        return TypedResults.NoContent();
    }
}

if (window.Notification) Notification.requestPermission();

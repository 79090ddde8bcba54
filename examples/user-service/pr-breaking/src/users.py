def display_name(user):
    return user.get("displayName") or user["email"]


def greeting(user):
    locale = user.get("locale") or "en"
    if locale.startswith("de"):
        return "Hallo " + display_name(user)
    return "Hello " + display_name(user)

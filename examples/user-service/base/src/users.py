def display_name(user):
    return user.get("displayName") or user["email"]

"""Who a LINE user is: registration by one-time password sent to the phone on
file, the links between LINE users and customer accounts, and SMS providers."""

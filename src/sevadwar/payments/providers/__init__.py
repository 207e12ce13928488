"""Payment gateway implementations: the built-in sandbox and Razorpay."""

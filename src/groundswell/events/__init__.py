"""Events, shifts, RSVPs, kiosk sign-in, attendance and follow-up."""

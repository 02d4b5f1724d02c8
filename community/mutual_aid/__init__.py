"""Mutual aid between neighbours (issue 11): offers and requests, private conversations,
thank-yous, lending records, abuse reports and moderation.

The platform never handles money and takes no commission: a compensation is only stated on a
listing and settled between the neighbours themselves."""

from django import template

from gonghui.core.masking import mask_name

register = template.Library()


@register.filter
def masked_name(name: str) -> str:
    """张小明 → 张*明: names on a public notice are partly masked."""
    return mask_name(name)
